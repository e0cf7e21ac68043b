import type { Collection, Document, Filter } from 'mongodb';

/**
 * Deletes what `filter` matches by first finding the ids on the named index, then deleting by
 * id: a delete names no index, and our FerretDB build runs only a find's hinted conditions (and
 * any `_id` condition) in SQLite, so a plain deleteMany would read the whole collection.
 */
export async function deleteOnIndex<T extends Document & { _id: unknown }>(
  collection: Collection<T>,
  filter: Filter<T>,
  index: string,
): Promise<number> {
  const found = await collection
    .find(filter, { projection: { _id: 1 } })
    .hint(index)
    .toArray();
  if (!found.length) return 0;
  const { deletedCount } = await collection.deleteMany({
    _id: { $in: found.map((d) => d._id) },
  } as Filter<T>);
  return deletedCount;
}
