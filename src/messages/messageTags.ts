import type { Filter } from 'mongodb';
import type { ListMessagesQuery } from '../contracts/messageQueries';
import { encodeCursor, type Page } from '../contracts/page';
import type { MessageDoc, MessageTagDoc } from '../db/documents';
import { isDuplicateKeyError } from '../db/duplicateKey';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { olderThan } from '../db/pagination';

/**
 * Tags live beside the message as one entry per tag: an array field cannot be searched on an
 * index by every MongoDB-wire server (FerretDB keeps arrays out of its SQLite indexes), a
 * scalar `tag` can.
 */
export async function recordTags(c: Collections, m: MessageDoc): Promise<void> {
  if (!m.tags.length) return;
  const docs: MessageTagDoc[] = m.tags.map((tag) => ({
    _id: `${m._id}:${tag}`,
    project_id: m.project_id,
    tag,
    message_id: m._id,
    created_at: m.created_at,
  }));
  try {
    await c.messageTags.insertMany(docs, { ordered: false });
  } catch (err) {
    // A retried acceptance finds its entries written.
    if (!isDuplicateKeyError(err)) throw err;
  }
}

export async function forgetTags(c: Collections, m: MessageDoc): Promise<void> {
  if (m.tags.length) await c.messageTags.deleteMany({ _id: { $in: m.tags.map((t) => `${m._id}:${t}`) } });
}

// Tag entries read per round after the first, which reads one page's worth: most pages fill
// from it, and every entry read costs a message read.
const BATCH = 100;

/**
 * A newest-first page of the project's messages with a tag, also filtered by the query's other
 * fields: tag entries are walked newest first on their index, their messages read by `_id`,
 * until the page is full or the entries run out.
 */
export async function messagesWithTag(
  c: Collections,
  q: ListMessagesQuery & { tag: string },
  filter: Filter<MessageDoc>,
  projection: Record<string, 0>,
): Promise<Page<MessageDoc>> {
  // The date range is searched on the entries; the rest of the filter on the messages.
  const { created_at: created, ...rest } = filter as Record<string, unknown>;
  let position = q.cursor;
  const items: MessageDoc[] = [];
  let batch = q.limit + 1;
  for (;;) {
    const and = [
      ...(created ? [{ created_at: created }] : []),
      ...(position ? [olderThan(position, 'message_id')] : []),
    ];
    const entryFilter = { project_id: rest.project_id, tag: q.tag, ...(and.length ? { $and: and } : {}) };
    const entries = await c.messageTags
      .find(entryFilter as Filter<MessageTagDoc>)
      .sort({ created_at: -1, message_id: -1 })
      .limit(batch)
      .hint(INDEX.tagsNewest)
      .toArray();
    if (entries.length) {
      const found = await c.messages
        .find({ ...rest, _id: { $in: entries.map((e) => e.message_id) } } as Filter<MessageDoc>, {
          projection,
        })
        .toArray();
      const byId = new Map(found.map((m) => [m._id, m]));
      for (const e of entries) {
        const m = byId.get(e.message_id);
        if (m) items.push(m);
        if (items.length > q.limit) break;
      }
      const last = entries[entries.length - 1];
      position = { at: last.created_at, id: last.message_id };
    }
    if (items.length > q.limit || entries.length < batch) break;
    batch = BATCH;
  }
  const page = items.slice(0, q.limit);
  const hasMore = items.length > q.limit;
  const last = page[page.length - 1];
  return {
    items: page,
    hasMore,
    nextCursor: hasMore && last ? encodeCursor({ at: last.created_at, id: last._id }) : null,
  };
}
