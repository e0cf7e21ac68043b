import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from './mongo';

export interface NumberedTokenDoc {
  /** `${series}` for the head, `${series}:${n}` for token n. */
  _id: string;
  /** On the head: the highest number known to be taken. */
  count?: number;
  expires_at: Date;
}

/**
 * Takes the next number of a series and returns it: exactly one writer succeeds in inserting
 * `${series}:${n}` (a unique _id is atomic on every MongoDB-wire server; FerretDB's $inc is
 * not), so concurrent processes never count the same request twice or lose one. The head
 * document, read by _id, tells a writer where to start.
 */
export async function takeNumber(
  collection: Collection<NumberedTokenDoc>,
  series: string,
  expiresAt: Date,
): Promise<number> {
  const head = await collection.findOne({ _id: series });
  let n = (head?.count ?? 0) + 1;
  for (let round = 0; ; round++) {
    try {
      await collection.insertOne({ _id: `${series}:${n}`, expires_at: expiresAt });
      break;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      n += 1;
      if (round > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** round)));
    }
  }
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
  return n;
}
