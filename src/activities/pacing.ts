import type { Collections } from '../db/mongo';
import { isDuplicateKeyError } from '../db/mongo';
import type { Clock } from './messageStore';

export type SlotGrant = { granted: true; slotId?: string } | { granted: false; waitMs: number };

/** A lease outlives any single SMTP attempt (2 min timeout); a crashed worker's slot frees itself. */
const LEASE_MS = 3 * 60_000;

/**
 * Destination-aware pacing shared by every worker through MongoDB: up to `concurrent` sends
 * at once (slot documents taken atomically) and `per_second` starts per second (counters).
 * A refusal tells the workflow how long to sleep; nothing blocks an activity slot.
 */
export async function acquireSendSlot(
  c: Collections,
  clock: Clock,
  input: {
    projectId: string;
    domain: string;
    holder: string;
    limit: { per_second?: number; concurrent?: number };
  },
): Promise<SlotGrant> {
  const now = clock.now();
  const prefix = `${input.projectId}:${input.domain}`;
  let slotId: string | undefined;
  if (input.limit.concurrent) {
    slotId = await takeFreeSlot(c, prefix, input.limit.concurrent, input.holder, now);
    if (!slotId) return { granted: false, waitMs: 200 + Math.floor(Math.random() * 200) };
  }
  if (input.limit.per_second) {
    const second = Math.floor(now.getTime() / 1000);
    const counter = await c.pacing.findOneAndUpdate(
      { _id: `${prefix}:sec${second}` },
      { $inc: { count: 1 }, $setOnInsert: { expires_at: new Date(now.getTime() + 60_000) } },
      { upsert: true, returnDocument: 'after' },
    );
    if ((counter?.count ?? 1) > input.limit.per_second) {
      if (slotId) await releaseSendSlot(c, slotId, input.holder);
      return { granted: false, waitMs: 1000 - (now.getTime() % 1000) + Math.floor(Math.random() * 100) };
    }
  }
  if (Math.random() < 0.01) await c.pacing.deleteMany({ expires_at: { $lt: now } });
  return { granted: true, slotId };
}

async function takeFreeSlot(c: Collections, prefix: string, slots: number, holder: string, now: Date) {
  const expires = new Date(now.getTime() + LEASE_MS);
  for (let n = 0; n < slots; n++) {
    const _id = `${prefix}:slot${n}`;
    try {
      // Matches a free, expired or already-ours slot; an occupied one makes the upsert collide.
      const taken = await c.pacing.findOneAndUpdate(
        { _id, $or: [{ holder: null }, { holder }, { expires_at: { $lt: now } }] },
        { $set: { holder, expires_at: expires } },
        { upsert: true, returnDocument: 'after' },
      );
      if (taken?.holder === holder) return _id;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  return undefined;
}

export async function releaseSendSlot(c: Collections, slotId: string, holder: string): Promise<void> {
  await c.pacing.updateOne({ _id: slotId, holder }, { $set: { holder: null } });
}
