import { createHmac } from 'node:crypto';
import type { Collections } from '../db/mongo';
import { storedSecret } from '../db/storedSecrets';
import { normalizeAddress } from '../messages/address';

/**
 * What an erased address becomes: `erased:` and a keyed hash (HMAC-SHA256 under a secret kept
 * in the database), the same for the same address, so a suppression of it still matches.
 */
export async function erasedAddress(c: Collections, address: string): Promise<string> {
  const secret = await storedSecret(c, 'erasure_secret');
  return `erased:${createHmac('sha256', secret).update(normalizeAddress(address)).digest('hex').slice(0, 32)}`;
}
