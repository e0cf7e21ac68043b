import { type Collection, type Document, MongoBulkWriteError, type OptionalUnlessRequiredId } from 'mongodb';
import { isDuplicateKeyError } from './duplicateKey';

export interface SequenceSpec<Item, Doc extends Document> {
  /** The document that takes number `n` of the sequence `key` for `item`. */
  toDoc(key: string, item: Item, n: number): Doc;
  /** Highest number of `key` known to be taken (a hint that may lag, never lead). */
  readHead(key: string): Promise<number>;
  /** Moves the hint forward to `n` (taken by `item`) unless it is already past it. */
  advanceHead(key: string, n: number, item: Item): Promise<void>;
  /** The stored document when `item` was written before (a retried write), if the spec has one. */
  findExisting?(item: Item): Promise<Doc | null>;
}

/** The stored document and its number, or the earlier document when the item was written before. */
export type Sequenced<Doc> = { doc: Doc; n: number; inserted: true } | { doc: Doc; inserted: false };

/** Writes `item` as the next number of `key`; resolves once it is stored. */
type Append<Item, Doc> = (key: string, item: Item) => Promise<Sequenced<Doc>>;

interface Pending<Item, Doc> {
  item: Item;
  resolve(result: Sequenced<Doc>): void;
  reject(err: unknown): void;
}

/**
 * Most documents written in one insertMany. FerretDB v1 splits an insert into batches of 100
 * and, after a duplicate in one batch, still writes the next ones despite `ordered`: numbers
 * past the failure would be stored out of order. 100 keeps every insertMany in one batch.
 */
const MAX_BATCH = 100;
/** Keys whose last number this process remembers; beyond it the memory starts over. */
const MAX_REMEMBERED = 10_000;

/**
 * Numbers documents of a per-key sequence gap-free and in commit order, on any MongoDB-wire
 * server: a unique index on the number makes the insert itself the allocation (FerretDB's $inc
 * is not atomic). Within a process, concurrent writers of one key are queued and written with
 * one ordered insertMany of consecutive numbers, so they never race each other; only writers in
 * other processes can take a number first, and then the batch moves up past it.
 */
function createSequencer<Item, Doc extends Document>(
  collection: Collection<Doc>,
  spec: SequenceSpec<Item, Doc>,
): Append<Item, Doc> {
  // The queue of a key exists exactly while its writer drains it.
  const queues = new Map<string, Pending<Item, Doc>[]>();
  // Highest number this process saw taken per key: spares a head read per batch.
  const heads = new Map<string, number>();
  const remember = (key: string, n: number) => {
    if (heads.size >= MAX_REMEMBERED && !heads.has(key)) heads.clear();
    heads.set(key, n);
  };

  async function writeBatch(key: string, batch: Pending<Item, Doc>[]) {
    let next = (heads.get(key) ?? (await spec.readHead(key))) + 1;
    let collisions = 0;
    while (batch.length > 0) {
      const docs = batch.map((p, i) => spec.toDoc(key, p.item, next + i));
      let written = docs.length;
      let failed: unknown;
      try {
        await collection.insertMany(docs as OptionalUnlessRequiredId<Doc>[], { ordered: true });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        failed = err;
        // Ordered: everything before the first failed document is stored.
        written = err instanceof MongoBulkWriteError ? ([err.writeErrors].flat()[0]?.index ?? 0) : 0;
      }
      const stored = batch.splice(0, written);
      stored.forEach((p, i) => {
        p.resolve({ doc: docs[i], n: next + i, inserted: true });
      });
      next += written;
      if (written > 0) {
        remember(key, next - 1);
        await spec.advanceHead(key, next - 1, stored[written - 1].item);
      }
      if (!failed) return;
      const existing = spec.findExisting ? await spec.findExisting(batch[0].item) : null;
      if (existing) {
        (batch.shift() as Pending<Item, Doc>).resolve({ doc: existing, inserted: false });
        continue;
      }
      // Another process took `next`: start again above it, or above its head if that is higher.
      next = Math.max(next + 1, (await spec.readHead(key)) + 1);
      collisions += 1;
      if (collisions > 3)
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** collisions)));
    }
  }

  async function drain(key: string, queue: Pending<Item, Doc>[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await writeBatch(key, batch);
      } catch (err) {
        heads.delete(key);
        for (const p of batch) p.reject(err);
      }
    }
    queues.delete(key);
  }

  return (key, item) =>
    new Promise((resolve, reject) => {
      const waiting = queues.get(key);
      const pending = { item, resolve, reject };
      if (waiting) {
        waiting.push(pending);
        return;
      }
      queues.set(key, [pending]);
      void drain(key, queues.get(key) as Pending<Item, Doc>[]);
    });
}

const perCollection = new WeakMap<Collection<never>, Append<unknown, Document>>();

/**
 * The sequencer of a collection object, made on first use: every caller in the process that
 * writes through the same connection shares one queue per key.
 */
export function sequencerOf<Item, Doc extends Document>(
  collection: Collection<Doc>,
  makeSpec: () => SequenceSpec<Item, Doc>,
): Append<Item, Doc> {
  const key = collection as unknown as Collection<never>;
  let append = perCollection.get(key) as Append<Item, Doc> | undefined;
  if (!append) {
    append = createSequencer(collection, makeSpec());
    perCollection.set(key, append as Append<unknown, Document>);
  }
  return append;
}
