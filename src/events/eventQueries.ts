import type { EventPayload } from '../contracts/webhookSchemas';
import type { EventDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { openedContent } from '../messages/messageContent';
import { eventPayload } from '../webhooks/payload';

/** Event payloads as webhooks carry them, with the message facts each one echoes. */
async function withMessages(c: Collections, events: EventDoc[]): Promise<EventPayload[]> {
  const ids = [...new Set(events.map((e) => e.message_id))];
  const messages = await c.messages
    .find(
      { _id: { $in: ids } },
      { projection: { recipient: 1, tags: 1, metadata: 1, headers: 1, 'sealed.summary': 1 } },
    )
    .toArray();
  const byId = new Map(messages.map((m) => [m._id, openedContent(c, m)]));
  return events.map((e) => eventPayload(e, byId.get(e.message_id) ?? null));
}

/** Up to `limit` events of the project after a sequence number, in sequence order. */
export async function eventsAfter(
  c: Collections,
  projectId: string,
  after: number,
  opts: { limit: number; messageId?: string; type?: string },
): Promise<{ payloads: EventPayload[]; hasMore: boolean; lastSequence?: number }> {
  const filter: Record<string, unknown> = { project_id: projectId, seq: { $gt: after } };
  if (opts.messageId) filter.message_id = opts.messageId;
  if (opts.type) filter.type = opts.type;
  const events = await c.events
    .find(filter)
    .sort({ seq: 1 })
    .limit(opts.limit + 1)
    .hint(opts.type ? INDEX.eventTypeSequence : INDEX.eventSequence)
    .toArray();
  const page = events.slice(0, opts.limit);
  return {
    payloads: await withMessages(c, page),
    hasMore: events.length > opts.limit,
    lastSequence: page[page.length - 1]?.seq,
  };
}

/** The project's newest sequence number (0 before its first event). */
export async function latestSequence(c: Collections, projectId: string): Promise<number> {
  const newest = await c.events
    .find({ project_id: projectId }, { projection: { seq: 1 } })
    .sort({ seq: -1 })
    .limit(1)
    .hint(INDEX.eventSequence)
    .next();
  return newest?.seq ?? 0;
}
