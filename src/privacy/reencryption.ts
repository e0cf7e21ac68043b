import { ObjectId } from 'mongodb';
import type {
  ReencryptionBatchResult,
  ReencryptionReport,
  ReencryptionTarget,
} from '../contracts/reencryption';
import type { Collections } from '../db/mongo';
import { isSealed, type MaybeSealed, type SealedPlace, type SealedValue } from '../db/sealedFields';
import { retireSealingKeys } from '../db/sealingKeys';
import { resealStoredFile, type StoredFiles } from '../db/storedFiles';

/** The sealed field of each secret collection, as named in its sealing place. */
const SECRET_FIELDS = {
  domains: 'dkim_private_key',
  routes: 'url',
  webhooks: 'secret',
  test_deliveries: 'raw',
} as const;

type SecretTarget = keyof typeof SECRET_FIELDS;

const collectionOf = (c: Collections, target: SecretTarget | 'messages') =>
  ({
    domains: c.domains,
    routes: c.routes,
    webhooks: c.webhooks,
    test_deliveries: c.testDeliveries,
    messages: c.messages,
  })[target] as unknown as import('mongodb').Collection<{ _id: string } & Record<string, unknown>>;

const bucketOf = (c: Collections, target: 'attachments' | 'raw_mime'): StoredFiles =>
  target === 'attachments' ? c.attachmentFiles : c.rawMessages;

function requireKey(c: Collections): { current: string; old: string[] } {
  const current = c.sealer.currentKeyId;
  if (!current) throw new Error('re-encryption needs SENDFLOW_ENCRYPTION_KEY on the worker');
  return { current, old: c.sealer.keyIds.filter((k) => k !== current) };
}

/** Opens with the key it names and seals with the current key, in the same place. */
function resealed(c: Collections, value: MaybeSealed, place: SealedPlace): SealedValue {
  return c.sealer.seal(c.sealer.open(value, place), place) as SealedValue;
}

/**
 * Rewrites up to `limit` values of one target that are sealed with an old key (one this
 * process holds), walking ids upwards from `after`. Each write is conditional on the value
 * still being under that old key, so a concurrent change (a purge, an erasure, a new secret)
 * is never overwritten, and running a batch twice rewrites nothing twice.
 */
export async function reencryptBatch(
  c: Collections,
  target: ReencryptionTarget,
  after: string | undefined,
  limit: number,
): Promise<ReencryptionBatchResult> {
  const { old } = requireKey(c);
  if (target === 'attachments' || target === 'raw_mime') {
    const store = bucketOf(c, target);
    const files = await store.files
      .find(
        {
          ...(after ? { _id: { $gt: new ObjectId(after) } } : {}),
          $or: [{ 'metadata.sealed_kid': { $in: old } }, { 'metadata.resealing_kid': { $exists: true } }],
        },
        { projection: { _id: 1 } },
      )
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    let rewritten = 0;
    for (const f of files) if (await resealStoredFile(store, f._id)) rewritten++;
    return {
      rewritten,
      ...(files.length === limit ? { last: files[files.length - 1]._id.toHexString() } : {}),
    };
  }
  const collection = collectionOf(c, target);
  const fields = target === 'messages' ? ['sealed.summary', 'sealed.body'] : [SECRET_FIELDS[target]];
  const docs = await collection
    .find({
      ...(after ? { _id: { $gt: after } } : {}),
      $or: fields.map((f) => ({ [`${f}.kid`]: { $in: old } })),
    })
    .sort({ _id: 1 })
    .limit(limit)
    .toArray();
  let rewritten = 0;
  for (const doc of docs) {
    for (const field of fields) {
      const value = field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], doc);
      if (!isSealed(value) || !old.includes(value.kid)) continue;
      const place: SealedPlace =
        target === 'messages'
          ? ['messages', doc._id, field.split('.')[1]]
          : [target, doc._id, SECRET_FIELDS[target]];
      const { modifiedCount } = await collection.updateOne(
        { _id: doc._id, [`${field}.kid`]: value.kid },
        { $set: { [field]: resealed(c, value, place) } },
      );
      rewritten += modifiedCount;
    }
  }
  return { rewritten, ...(docs.length === limit ? { last: docs[docs.length - 1]._id } : {}) };
}

/** Which targets still hold a value sealed with a key other than the current one. */
async function targetsUnderOtherKeys(c: Collections, current: string): Promise<ReencryptionTarget[]> {
  const other = { $exists: true, $ne: current };
  const checks: [ReencryptionTarget, Promise<unknown>][] = [
    ...(Object.keys(SECRET_FIELDS) as SecretTarget[]).map((t): [ReencryptionTarget, Promise<unknown>] => [
      t,
      collectionOf(c, t).findOne({ [`${SECRET_FIELDS[t]}.kid`]: other }, { projection: { _id: 1 } }),
    ]),
    [
      'messages',
      c.messages.findOne(
        { $or: [{ 'sealed.summary.kid': other }, { 'sealed.body.kid': other }] },
        { projection: { _id: 1 } },
      ),
    ],
    ...(['attachments', 'raw_mime'] as const).map((t): [ReencryptionTarget, Promise<unknown>] => [
      t,
      bucketOf(c, t).files.findOne(
        { $or: [{ 'metadata.sealed_kid': other }, { 'metadata.resealing_kid': { $exists: true } }] },
        { projection: { _id: 1 } },
      ),
    ]),
  ];
  const found = await Promise.all(checks.map(async ([t, p]) => ((await p) ? t : undefined)));
  return found.filter((t): t is ReencryptionTarget => t !== undefined);
}

/**
 * Ends a re-encryption: when nothing is left under another key, the old keys are retired from
 * the database's key list (processes may then start without them); otherwise nothing is.
 */
export async function finishReencryption(
  c: Collections,
  rewritten: ReencryptionReport['rewritten'],
): Promise<ReencryptionReport> {
  const { current } = requireKey(c);
  const remaining = await targetsUnderOtherKeys(c, current);
  const retired = remaining.length ? [] : await retireSealingKeys(c.sealingKeys, current);
  return { current_key: current, rewritten, retired_keys: retired, remaining };
}
