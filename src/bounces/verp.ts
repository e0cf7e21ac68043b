import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Collections } from '../db/mongo';
import { storedSecret } from '../db/storedSecrets';

/**
 * The key that signs VERP tokens, made once per deployment and kept in MongoDB, so every
 * worker and the inbound listener agree on it without another setting to manage.
 */
export function verpSecret(c: Collections): Promise<string> {
  return storedSecret(c, 'verp_secret');
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
