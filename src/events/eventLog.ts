import { countEvent } from '../analytics/hourlyCounts';
import type { EventDoc } from '../db/documents';
import { isDuplicateKeyError } from '../db/duplicateKey';
import type { Collections } from '../db/mongo';
import { sequencerOf } from '../db/sequencedInserts';

export type NewEvent = Omit<EventDoc, 'seq'>;

function sequencerFor(c: Collections) {
  return sequencerOf<NewEvent, EventDoc>(c.events, () => ({
    toDoc: (_projectId, event, seq) => ({ ...event, seq }),
    readHead: async (projectId) => (await c.eventHeads.findOne({ _id: projectId }))?.seq ?? 0,
    advanceHead: (projectId, seq) => advanceHead(c, projectId, seq),
    findExisting: (event) => c.events.findOne({ _id: event._id }),
  }));
}

/**
 * Appends an event with the next per-project sequence number: gap-free and increasing in
 * commit order, so a reader that has seen number n has seen everything before it. The unique
 * index on (project_id, seq) makes the insert the allocation; sequencedInserts.ts batches the
 * writers of one process. A repeat of an already recorded event (same deterministic _id)
 * returns the recorded one. A new event is added to the project's hourly counts.
 */
export async function appendEvent(
  c: Collections,
  event: NewEvent,
): Promise<{ event: EventDoc; inserted: boolean }> {
  const result = await sequencerFor(c)(event.project_id, event);
  if (result.inserted) await countEvent(c, result.doc);
  return { event: result.doc, inserted: result.inserted };
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
