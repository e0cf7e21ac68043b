import type { DeliveryPolicyDoc } from '../db/documents';
import { isDuplicateKeyError } from '../db/duplicateKey';
import type { Collections } from '../db/mongo';
import type { Clock } from '../messages/statusChanges';

export type SlotGrant = { granted: true; slotId?: string } | { granted: false; waitMs: number };

export type PacingLimit = DeliveryPolicyDoc['pacing'][number];

/** The project's pacing rule for a recipient domain, if it has one. */
export async function findPacingLimit(
  c: Collections,
  projectId: string,
  domain: string,
): Promise<PacingLimit | undefined> {
  const policy = await c.deliveryPolicies.findOne({ _id: projectId }, { projection: { pacing: 1 } });
  return policy?.pacing?.find((p) => p.domain === domain);
}

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
    limit: PacingLimit;
  },
): Promise<SlotGrant> {
  const now = clock.now();
  const prefix = `${input.projectId}:${input.domain}`;
  let slotId: string | undefined;
  if (input.limit.concurrent) {
    slotId = await takeToken(
      c,
      `${prefix}:slot`,
      input.limit.concurrent,
      input.holder,
      new Date(now.getTime() + LEASE_MS),
      now,
    );
    if (!slotId) return { granted: false, waitMs: 200 + Math.floor(Math.random() * 200) };
  }
  if (input.limit.per_second) {
    const second = Math.floor(now.getTime() / 1000);
    const token = await takeToken(
      c,
      `${prefix}:sec${second}`,
      input.limit.per_second,
      input.holder,
      new Date((second + 60) * 1000),
      now,
    );
    if (!token) {
      if (slotId) await releaseSendSlot(c, slotId, input.holder);
      return { granted: false, waitMs: 1000 - (now.getTime() % 1000) + Math.floor(Math.random() * 100) };
    }
  }
  if (Math.random() < 0.02)
    await c.pacing.deleteMany({ expires_at: { $lt: new Date(now.getTime() - LEASE_MS) } });
  return { granted: true, slotId };
}

/**
 * Takes one of `count` numbered tokens by inserting its document: a unique _id makes the
 * insert the atomic step on any MongoDB-wire server. An expired token (a crashed holder's)
 * is reclaimed; the holder's own token is taken again.
 */
async function takeToken(
  c: Collections,
  prefix: string,
  count: number,
  holder: string,
  expiresAt: Date,
  now: Date,
) {
  const mine = await c.pacing.findOne({ _id: { $regex: `^${escapeRegex(prefix)}:` }, holder });
  if (mine) return mine._id;
  for (let n = 0; n < count; n++) {
    const _id = `${prefix}:${n}`;
    try {
      await c.pacing.insertOne({ _id, holder, expires_at: expiresAt });
      return _id;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const reclaimed = await c.pacing.deleteOne({ _id, expires_at: { $lt: now } });
      if (reclaimed.deletedCount === 1) n -= 1;
    }
  }
  return undefined;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function releaseSendSlot(c: Collections, slotId: string, holder: string): Promise<void> {
  await c.pacing.deleteOne({ _id: slotId, holder });
}
