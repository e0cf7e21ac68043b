import type { Collection } from 'mongodb';
import type { NumberedTokenDoc } from './documents';
import { isDuplicateKeyError } from './duplicateKey';
import { sequencerOf } from './sequencedInserts';

function sequencerFor(collection: Collection<NumberedTokenDoc>) {
  return sequencerOf<Date, NumberedTokenDoc>(collection, () => ({
    toDoc: (series, expiresAt, n) => ({ _id: `${series}:${n}`, expires_at: expiresAt }),
    readHead: async (series) => (await collection.findOne({ _id: series }))?.count ?? 0,
    advanceHead: async (series, n, expiresAt) => {
      try {
        await collection.updateOne(
          { _id: series, count: { $lt: n } } as never,
          { $set: { count: n }, $setOnInsert: { expires_at: expiresAt } },
          { upsert: true },
        );
      } catch (err) {
        // Another writer already moved the head past n.
        if (!isDuplicateKeyError(err)) throw err;
      }
    },
  }));
}

/**
 * Takes the next number of a series and returns it: exactly one writer succeeds in inserting
 * `${series}:${n}` (a unique _id is atomic on every MongoDB-wire server; FerretDB's $inc is
 * not), so concurrent processes never count the same request twice or lose one.
 */
export async function takeNumber(
  collection: Collection<NumberedTokenDoc>,
  series: string,
  expiresAt: Date,
): Promise<number> {
  const taken = await sequencerFor(collection)(series, expiresAt);
  if (!taken.inserted) throw new Error('a numbered token cannot be taken twice');
  return taken.n;
}
