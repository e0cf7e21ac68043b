import type { Filter } from 'mongodb';
import type { RedriveBatch, RedriveBatchInput } from '../contracts/redrive';
import type { MessageDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';

/** The next messages a re-drive pushes, newest first, walked by (created_at, id). */
export async function findRedriveBatch(c: Collections, input: RedriveBatchInput): Promise<RedriveBatch> {
  const { filter } = input;
  const created: Record<string, Date> = {};
  if (filter.createdAfter) created.$gte = new Date(filter.createdAfter);
  if (filter.createdBefore) created.$lt = new Date(filter.createdBefore);
  const query: Filter<MessageDoc> = {
    project_id: input.projectId,
    status: filter.status,
    ...(Object.keys(created).length ? { created_at: created } : {}),
    ...(filter.recipientDomain ? { recipient_domain: filter.recipientDomain } : {}),
    ...(filter.route ? { 'last_smtp.route': filter.route } : {}),
  };
  if (input.after) {
    const at = new Date(input.after.at);
    query.$or = [{ created_at: { $lt: at } }, { created_at: at, _id: { $lt: input.after.id } }];
  }
  const rows = await c.messages
    .find(query, { projection: { _id: 1, workflow_id: 1, created_at: 1 } })
    .sort({ created_at: -1, _id: -1 })
    .hint(INDEX.messagesByStatus)
    .limit(input.limit)
    .toArray();
  const last = rows[rows.length - 1];
  return {
    messages: rows.map((m) => ({ messageId: m._id, workflowId: m.workflow_id })),
    ...(rows.length === input.limit ? { next: { at: last.created_at.toISOString(), id: last._id } } : {}),
  };
}
