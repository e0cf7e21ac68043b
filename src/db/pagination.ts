import type { Collection, Document, Filter } from 'mongodb';
import { encodeCursor, type Page, type PagePosition } from '../contracts/page';

/**
 * Newest-first keyset pagination on (created_at, _id): new documents land on the first page,
 * so a client walking the cursor sees no duplicates and no gaps while writes go on.
 *
 * `index` names the index the query runs on: one that ends in (created_at, _id) after the
 * filter's equality fields, whose fields hold one scalar type each. MongoDB uses it as told, and
 * our FerretDB build runs the filter, the order and the limit on it in SQLite (see
 * scripts/ferretdb/index-pushdown.patch); without it FerretDB reads the whole collection.
 */
export async function newestFirstPage<T extends Document & { _id: string; created_at: Date }>(
  collection: Collection<T>,
  filter: Filter<T>,
  opts: { limit: number; cursor?: PagePosition; projection?: Document; index: string },
): Promise<Page<T>> {
  let query = filter as Record<string, unknown>;
  if (opts.cursor) query = { $and: [filter, olderThan(opts.cursor)] };
  const cursor = collection
    .find(query as Filter<T>)
    .sort({ created_at: -1, _id: -1 })
    .limit(opts.limit + 1)
    .hint(opts.index);
  if (opts.projection) cursor.project(opts.projection);
  const docs = (await cursor.toArray()) as unknown as T[];
  const hasMore = docs.length > opts.limit;
  const items = docs.slice(0, opts.limit);
  const last = items[items.length - 1];
  return {
    items,
    hasMore,
    nextCursor: hasMore && last ? encodeCursor({ at: last.created_at, id: last._id }) : null,
  };
}

/**
 * "Strictly after this position" in newest-first (created_at, `idField`) order. The `$lte` bound
 * is implied by the `$or`; it is there so that the index range starts at the position.
 */
export function olderThan(pos: PagePosition, idField = '_id'): Record<string, unknown> {
  return {
    created_at: { $lte: pos.at },
    $or: [{ created_at: { $lt: pos.at } }, { created_at: pos.at, [idField]: { $lt: pos.id } }],
  };
}
