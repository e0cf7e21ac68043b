import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isDuplicateKeyError } from '../db/duplicateKey';
import type { Collections } from '../db/mongo';

const SECRET_ID = 'verp_secret';
const secrets = new WeakMap<Collections, Promise<string>>();

/**
 * The key that signs VERP tokens, made once per deployment and kept in MongoDB, so every
 * worker and the inbound listener agree on it without another setting to manage.
 */
export function verpSecret(c: Collections): Promise<string> {
  let secret = secrets.get(c);
  if (!secret) {
    secret = (async () => {
      const fresh = randomBytes(32).toString('hex');
      try {
        await c.settings.insertOne({ _id: SECRET_ID, value: fresh, created_at: new Date() });
        return fresh;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const stored = await c.settings.findOne({ _id: SECRET_ID });
        if (!stored) throw new Error('VERP secret vanished after a duplicate insert');
        return stored.value;
      }
    })();
    secret.catch(() => secrets.delete(c));
    secrets.set(c, secret);
  }
  return secret;
}

function signature(secret: string, messageId: string): string {
  return createHmac('sha256', secret).update(messageId).digest('hex').slice(0, 20);
}

/** `bounces+<message id>.<signature>@<bounce domain>`: the envelope sender of one message. */
export function verpAddress(secret: string, bounceDomain: string, messageId: string): string {
  return `bounces+${messageId}.${signature(secret, messageId)}@${bounceDomain}`;
}

export type VerpToken = { kind: 'message'; messageId: string } | { kind: 'forged' } | { kind: 'not_verp' };

/** Which message a report to this address is about; a token whose signature fails is forged. */
export function readVerpAddress(secret: string, bounceDomain: string, address: string): VerpToken {
  const match = /^bounces\+([A-Za-z0-9_-]+)\.([0-9a-f]{20})@(.+)$/i.exec(address.trim());
  if (!match || match[3].toLowerCase() !== bounceDomain.toLowerCase()) return { kind: 'not_verp' };
  const [, messageId, given] = match;
  const expected = signature(secret, messageId);
  const ok = timingSafeEqual(Buffer.from(given.toLowerCase()), Buffer.from(expected));
  return ok ? { kind: 'message', messageId } : { kind: 'forged' };
}
