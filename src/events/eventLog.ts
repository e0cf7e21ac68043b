import type { EventDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { isDuplicateKeyError } from '../db/mongo';

export type NewEvent = Omit<EventDoc, 'seq'>;

/**
 * Appends an event with the next per-project sequence number. The unique index on
 * (project_id, seq) makes the insert itself the allocation: a writer moves to n+1 only after
 * n exists, so numbers are gap-free and increase in commit order on any MongoDB-wire server
 * (FerretDB's $inc is not atomic). A per-project head document, read by _id, is the hint
 * where to start, so no query has to sort the event log. A repeat of an already recorded
 * event (same deterministic _id) is a no-op.
 */
export async function appendEvent(
  c: Collections,
  event: NewEvent,
): Promise<{ event: EventDoc; inserted: boolean }> {
  const [existing, head] = await Promise.all([
    c.events.findOne({ _id: event._id }),
    c.eventHeads.findOne({ _id: event.project_id }),
  ]);
  if (existing) return { event: existing, inserted: false };
  let seq = (head?.seq ?? 0) + 1;
  for (let round = 0; ; round++) {
    const doc: EventDoc = { ...event, seq };
    try {
      await c.events.insertOne(doc);
      await advanceHead(c, event.project_id, seq);
      return { event: doc, inserted: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const mine = await c.events.findOne({ _id: event._id });
      if (mine) return { event: mine, inserted: false };
      seq += 1;
      // Many writers racing for the next number: back off with jitter instead of stampeding.
      if (round > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** round)));
    }
  }
}

async function advanceHead(c: Collections, projectId: string, seq: number): Promise<void> {
  try {
    await c.eventHeads.updateOne({ _id: projectId, seq: { $lt: seq } }, { $set: { seq } }, { upsert: true });
  } catch (err) {
    // The head is already past this number: another writer advanced it.
    if (!isDuplicateKeyError(err)) throw err;
  }
}

/** Public id of an event, stable across webhook retries and SSE reconnects. */
export function publicEventId(e: Pick<EventDoc, '_id'>): string {
  return `evt_${Buffer.from(e._id).toString('base64url')}`;
}
