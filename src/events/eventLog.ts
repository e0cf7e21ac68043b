import type { EventDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { isDuplicateKeyError } from '../db/mongo';

export type NewEvent = Omit<EventDoc, 'seq'>;

/**
 * Appends an event with the next per-project sequence number. The unique index on
 * (project_id, seq) makes the insert itself the allocation, so numbers are gap-free and
 * increase in commit order on any MongoDB-wire server (FerretDB's $inc is not atomic).
 * A repeat of an already recorded event (same deterministic _id) is a no-op.
 */
export async function appendEvent(
  c: Collections,
  event: NewEvent,
): Promise<{ event: EventDoc; inserted: boolean }> {
  for (;;) {
    const existing = await c.events.findOne({ _id: event._id });
    if (existing) return { event: existing, inserted: false };
    const last = await c.events
      .find({ project_id: event.project_id }, { projection: { seq: 1 } })
      .sort({ seq: -1 })
      .limit(1)
      .next();
    const doc: EventDoc = { ...event, seq: (last?.seq ?? 0) + 1 };
    try {
      await c.events.insertOne(doc);
      return { event: doc, inserted: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Another writer took this number, or recorded this very event: look again.
    }
  }
}

/** Public id of an event, stable across webhook retries and SSE reconnects. */
export function publicEventId(e: Pick<EventDoc, '_id'>): string {
  return `evt_${Buffer.from(e._id).toString('base64url')}`;
}
