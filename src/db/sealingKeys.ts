import type { Collection } from 'mongodb';
import { UnknownKeyError } from '../crypto/keyring';
import type { SealingKeyDoc } from './documents';

/**
 * Which keys data in this database may be sealed with: every process records its current key
 * before it writes, and a finished re-encryption retires the others. Start-up compares the
 * list with the keys it holds, so a missing key is found at once instead of by a scan.
 */
export async function recordSealingKey(keys: Collection<SealingKeyDoc>, kid: string): Promise<void> {
  await keys.updateOne({ _id: kid }, { $setOnInsert: { first_used_at: new Date() } }, { upsert: true });
}

export async function assertSealingKeysHeld(keys: Collection<SealingKeyDoc>, held: string[]): Promise<void> {
  const missing = await keys.findOne({ _id: { $nin: held } });
  if (missing) throw new UnknownKeyError(missing._id);
}

/** Forgets every key but `current`: only after nothing sealed with another one remains. */
export async function retireSealingKeys(keys: Collection<SealingKeyDoc>, current: string): Promise<string[]> {
  const retired = (await keys.find({ _id: { $ne: current } }).toArray()).map((k) => k._id);
  if (retired.length) await keys.deleteMany({ _id: { $in: retired } });
  return retired;
}
