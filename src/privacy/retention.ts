import type { PurgeBatchResult, PurgeCursor, RetentionPlanEntry } from '../contracts/retention';
import { FINAL_STATUSES } from '../contracts/statuses';
import type { MessageDoc, ProjectDoc } from '../db/documents';
import { deleteOnIndex } from '../db/indexedDelete';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { forgetTags } from '../messages/messageTags';
import { deleteMessageFiles } from './messageFiles';

/** What a project keeps unless it says otherwise (PUT /v1/account/settings). */
export const RETENTION_DEFAULTS = {
  content_retention_days: 30,
  metadata_retention_days: 90,
  store_content: true,
} as const;

export type Retention = {
  content_retention_days: number;
  metadata_retention_days: number;
  store_content: boolean;
};

export function retentionOf(project: Pick<ProjectDoc, 'retention'> | null): Retention {
  return { ...RETENTION_DEFAULTS, ...project?.retention };
}

const DAY_MS = 86_400_000;

/** Each project's cut-offs as of `now`; without stored content, content goes once final. */
export async function retentionPlan(c: Collections, now: Date): Promise<RetentionPlanEntry[]> {
  const projects = await c.projects.find({}, { projection: { _id: 1, retention: 1 } }).toArray();
  return projects.map((p) => {
    const r = retentionOf(p);
    const contentDays = r.store_content ? r.content_retention_days : 0;
    return {
      projectId: p._id,
      contentBefore: new Date(now.getTime() - contentDays * DAY_MS).toISOString(),
      metadataBefore: new Date(now.getTime() - r.metadata_retention_days * DAY_MS).toISOString(),
    };
  });
}

const FINAL = [...FINAL_STATUSES];

/** The content fields a purged message no longer has; what lists show (subject, metadata) stays. */
const CONTENT_FIELDS = {
  html: '',
  text: '',
  'sealed.body': '',
  'raw_mime.inline': '',
  'raw_mime.gridfs_id': '',
} as const;

type ContentRefs = Pick<MessageDoc, '_id' | 'attachments' | 'raw_mime'>;

/**
 * Removes bodies, attachments and stored MIME of these messages, keeping their summaries,
 * timelines and attachment names and sizes. Files and captures go first; the update is
 * conditional on not being purged yet, so a repeated batch purges nothing twice.
 */
async function purgeMessagesContent(
  c: Collections,
  messages: ContentRefs[],
  now: Date,
): Promise<{ messages: number; files: number }> {
  if (!messages.length) return { messages: 0, files: 0 };
  let files = 0;
  for (const m of messages) files += await deleteMessageFiles(c, m);
  const ids = messages.map((m) => m._id);
  await deleteOnIndex(c.testDeliveries, { message_id: { $in: ids } }, INDEX.testDeliveriesByMessage);
  // Attachment refs lose their bytes' whereabouts but keep name, type and size.
  const withAttachments = messages.filter((m) => m.attachments?.length);
  const plain = ids.filter((id) => !withAttachments.some((m) => m._id === id));
  let purged = plain.length
    ? (
        await c.messages.updateMany(
          { _id: { $in: plain }, content_purged_at: null },
          { $set: { content_purged_at: now }, $unset: CONTENT_FIELDS },
        )
      ).modifiedCount
    : 0;
  for (const m of withAttachments) {
    const { modifiedCount } = await c.messages.updateOne(
      { _id: m._id, content_purged_at: null },
      {
        $set: {
          content_purged_at: now,
          attachments: m.attachments.map(({ filename, content_type, size }) => ({
            filename,
            content_type,
            size,
          })),
        },
        $unset: CONTENT_FIELDS,
      },
    );
    purged += modifiedCount;
  }
  return { messages: purged, files };
}

/** Walks a project's messages created in [cursor, before), oldest first, on the newest-first index. */
async function messagesFrom(
  c: Collections,
  projectId: string,
  cursor: PurgeCursor,
  before: Date,
  limit: number,
): Promise<MessageDoc[]> {
  // Conditions only on the index's fields, so the limit runs in the database too; the few
  // messages of the cursor's own millisecond already seen are dropped here.
  const rows = await c.messages
    .find(
      { project_id: projectId, created_at: { $gte: new Date(cursor.at), $lt: before } },
      {
        projection: {
          _id: 1,
          status: 1,
          created_at: 1,
          attempts: 1,
          tags: 1,
          attachments: 1,
          raw_mime: 1,
          content_purged_at: 1,
        },
      },
    )
    .sort({ created_at: 1, _id: 1 })
    .hint(INDEX.messagesNewest)
    .limit(limit + cursor.ids.length)
    .toArray();
  const seen = new Set(cursor.ids);
  return rows.filter((m) => !seen.has(m._id)).slice(0, limit);
}

/** Where the walk goes on after this batch. */
function nextCursor(cursor: PurgeCursor, batch: MessageDoc[]): PurgeCursor {
  const last = batch[batch.length - 1].created_at;
  const at = last.toISOString();
  // Messages created in the same millisecond as the last one: the next batch skips those seen.
  const tied = batch.filter((m) => m.created_at.getTime() === last.getTime()).map((m) => m._id);
  return { at, ids: at === cursor.at ? [...cursor.ids, ...tied] : tied };
}

/**
 * One batch of content purging, oldest first from where the project's last run ended: final
 * messages created before `before` lose their content. The last batch records `before` as
 * done, so a run walks only what became due since the previous one; a message that becomes
 * final after its turn is purged as it becomes final (purgeContentIfDue).
 */
export async function purgeContentBatch(
  c: Collections,
  input: { projectId: string; before: Date; limit: number; cursor?: PurgeCursor },
  now: Date,
): Promise<PurgeBatchResult> {
  const { projectId, before, limit } = input;
  let cursor = input.cursor;
  if (!cursor) {
    const project = await c.projects.findOne(
      { _id: projectId },
      { projection: { content_purged_through: 1 } },
    );
    cursor = { at: (project?.content_purged_through ?? new Date(0)).toISOString(), ids: [] };
  }
  const batch = await messagesFrom(c, projectId, cursor, before, limit);
  const due = batch.filter((m) => !m.content_purged_at && FINAL.includes(m.status));
  const { messages, files } = await purgeMessagesContent(c, due, now);
  if (batch.length < limit) {
    await c.projects.updateOne({ _id: projectId }, { $max: { content_purged_through: before } });
    return { messages, files, records: 0, more: false };
  }
  return { messages, files, records: 0, more: true, cursor: nextCursor(cursor, batch) };
}

/**
 * Purges a message's content as it becomes final when its project's retention says it is
 * already due: a project that stores no content, or one that became final after the purge
 * walked past it.
 */
export async function purgeContentIfDue(c: Collections, messageId: string, now: Date): Promise<void> {
  const m = await c.messages.findOne(
    { _id: messageId },
    {
      projection: { _id: 1, project_id: 1, created_at: 1, attachments: 1, raw_mime: 1, content_purged_at: 1 },
    },
  );
  if (!m || m.content_purged_at) return;
  const project = await c.projects.findOne({ _id: m.project_id }, { projection: { retention: 1 } });
  const r = retentionOf(project);
  if (!r.store_content || m.created_at.getTime() < now.getTime() - r.content_retention_days * DAY_MS)
    await purgeMessagesContent(c, [m], now);
}

/**
 * One batch of record purging: final messages created before `before`, oldest first, are
 * deleted with their events, webhook deliveries, tags, test captures and inbound reports (and
 * files, if content outlived them). The message goes last, so a batch cut off in between finds
 * it again; messages not final yet are stepped over with the cursor.
 */
export async function purgeMetadataBatch(
  c: Collections,
  input: { projectId: string; before: Date; limit: number; cursor?: PurgeCursor },
): Promise<PurgeBatchResult> {
  const cursor = input.cursor ?? { at: new Date(0).toISOString(), ids: [] };
  const batch = await messagesFrom(c, input.projectId, cursor, input.before, input.limit);
  const due = batch.filter((m) => FINAL.includes(m.status));
  let files = 0;
  let records = 0;
  if (due.length) {
    const ids = due.map((m) => m._id);
    for (const m of due) {
      files += await deleteMessageFiles(c, m);
      await forgetTags(c, m);
    }
    const events = await c.events
      .find({ message_id: { $in: ids } }, { projection: { _id: 1 } })
      .hint(INDEX.eventTimeline)
      .toArray();
    const eventIds = events.map((e) => e._id);
    const removed = await Promise.all([
      eventIds.length
        ? deleteOnIndex(c.webhookDeliveries, { event_id: { $in: eventIds } }, INDEX.deliveriesByEvent)
        : 0,
      deleteOnIndex(c.testDeliveries, { message_id: { $in: ids } }, INDEX.testDeliveriesByMessage),
      deleteOnIndex(c.inbound, { message_id: { $in: ids } }, INDEX.inboundByMessage),
    ]);
    if (eventIds.length) records += (await c.events.deleteMany({ _id: { $in: eventIds } })).deletedCount;
    records += removed.reduce((n, r) => n + r, 0);
  }
  const deleted = due.length
    ? (await c.messages.deleteMany({ _id: { $in: due.map((m) => m._id) } })).deletedCount
    : 0;
  const more = batch.length === input.limit;
  return { messages: deleted, files, records, more, ...(more ? { cursor: nextCursor(cursor, batch) } : {}) };
}
