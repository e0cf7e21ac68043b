import { randomBytes } from 'node:crypto';
import { isDuplicateKeyError } from './duplicateKey';
import type { Collections } from './mongo';

const cache = new WeakMap<Collections, Map<string, Promise<string>>>();

/**
 * A random secret made once per deployment and kept in MongoDB (`settings`), so every process
 * agrees on it without another setting to manage. Cached per connection.
 */
export function storedSecret(c: Collections, id: string): Promise<string> {
  const known = cache.get(c) ?? new Map<string, Promise<string>>();
  cache.set(c, known);
  let secret = known.get(id);
  if (!secret) {
    secret = (async () => {
      const fresh = randomBytes(32).toString('hex');
      try {
        await c.settings.insertOne({ _id: id, value: fresh, created_at: new Date() });
        return fresh;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const stored = await c.settings.findOne({ _id: id });
        if (!stored) throw new Error(`secret ${id} vanished after a duplicate insert`);
        return stored.value;
      }
    })();
    secret.catch(() => known.delete(id));
    known.set(id, secret);
  }
  return secret;
}
