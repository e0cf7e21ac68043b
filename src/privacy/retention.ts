import type { PurgeBatchResult, PurgeCursor, RetentionPlanEntry } from '../contracts/retention';
import { FINAL_STATUSES } from '../contracts/statuses';
import type { MessageDoc, ProjectDoc } from '../db/documents';
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

/**
 * Removes bodies, attachments and stored MIME of one message, keeping its summary, timeline
 * and attachment names and sizes. Conditional on not being purged yet, so it runs once.
 */
async function purgeMessageContent(
  c: Collections,
  m: Pick<MessageDoc, '_id' | 'attachments' | 'raw_mime'>,
  now: Date,
): Promise<{ purged: boolean; files: number }> {
  const files = await deleteMessageFiles(c, m);
  await c.testDeliveries.deleteMany({ message_id: m._id });
  const { modifiedCount } = await c.messages.updateOne(
    { _id: m._id, content_purged_at: null },
    {
      $set: {
        content_purged_at: now,
        attachments: (m.attachments ?? []).map(({ filename, content_type, size }) => ({
          filename,
          content_type,
          size,
        })),
      },
      $unset: CONTENT_FIELDS,
    },
  );
  return { purged: modifiedCount === 1, files };
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
  const batch = await c.messages
    .find(
      {
        project_id: projectId,
        created_at: { $gte: new Date(cursor.at), $lt: before },
        ...(cursor.ids.length ? { _id: { $nin: cursor.ids } } : {}),
      },
      { projection: { _id: 1, status: 1, created_at: 1, attachments: 1, raw_mime: 1, content_purged_at: 1 } },
    )
    .sort({ created_at: 1, _id: 1 })
    .limit(limit)
    .toArray();
  let messages = 0;
  let files = 0;
  for (const m of batch) {
    if (m.content_purged_at || !FINAL.includes(m.status)) continue;
    const done = await purgeMessageContent(c, m, now);
    if (done.purged) messages++;
    files += done.files;
  }
  if (batch.length < limit) {
    await c.projects.updateOne({ _id: projectId }, { $max: { content_purged_through: before } });
    return { messages, files, records: 0, more: false };
  }
  const last = batch[batch.length - 1].created_at;
  const lastAt = last.toISOString();
  // Messages created in the same millisecond as the last one: the next batch skips those seen.
  const tied = batch.filter((m) => m.created_at.getTime() === last.getTime()).map((m) => m._id);
  const ids = lastAt === cursor.at ? [...cursor.ids, ...tied] : tied;
  return { messages, files, records: 0, more: true, cursor: { at: lastAt, ids } };
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
    await purgeMessageContent(c, m, now);
}

/**
 * One batch of metadata purging: final messages created before `before` are deleted with their
 * events, webhook deliveries, tags, test captures and inbound reports (and files, if content
 * outlived them). The message goes last, so a batch cut off in between finds it again.
 */
export async function purgeMetadataBatch(
  c: Collections,
  projectId: string,
  before: Date,
  limit: number,
): Promise<PurgeBatchResult> {
  const batch = await c.messages
    .find(
      { project_id: projectId, created_at: { $lt: before }, status: { $in: FINAL } },
      { projection: { _id: 1, attachments: 1, raw_mime: 1, tags: 1 } },
    )
    .sort({ created_at: 1 })
    .limit(limit)
    .toArray();
  let files = 0;
  let records = 0;
  if (batch.length) {
    const ids = batch.map((m) => m._id);
    for (const m of batch) {
      files += await deleteMessageFiles(c, m);
      await forgetTags(c, m);
    }
    const events = await c.events.find({ message_id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
    const eventIds = events.map((e) => e._id);
    const removed = await Promise.all([
      eventIds.length ? c.webhookDeliveries.deleteMany({ event_id: { $in: eventIds } }) : { deletedCount: 0 },
      c.events.deleteMany({ message_id: { $in: ids } }),
      c.testDeliveries.deleteMany({ message_id: { $in: ids } }),
      c.inbound.deleteMany({ message_id: { $in: ids } }),
    ]);
    records = removed.reduce((n, r) => n + r.deletedCount, 0);
  }
  const { deletedCount } = batch.length
    ? await c.messages.deleteMany({ _id: { $in: batch.map((m) => m._id) } })
    : { deletedCount: 0 };
  return { messages: deletedCount, files, records, more: batch.length === limit };
}
