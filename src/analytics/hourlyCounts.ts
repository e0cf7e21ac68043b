import { randomBytes } from 'node:crypto';
import type { Collection } from 'mongodb';
import { INFRASTRUCTURE_BOUNCE_REASONS } from '../contracts/bounceReasons';
import type { EventDoc, HourlyCountDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';

/** Counted beside `email.bounced` for bounces nobody on the recipient's side caused. */
export const INFRASTRUCTURE_BOUNCES = 'email.bounced.infrastructure';

/** What an event adds to: its type, and the infrastructure share of bounces. */
export function countedNames(e: Pick<EventDoc, 'type' | 'reason'>): string[] {
  const infrastructure =
    e.type === 'email.bounced' &&
    (INFRASTRUCTURE_BOUNCE_REASONS as readonly string[]).includes(e.reason ?? '');
  return infrastructure ? [e.type, INFRASTRUCTURE_BOUNCES] : [e.type];
}

// Field names cannot hold dots: `h07.email:delivered` counts email.delivered from 07:00 UTC.
const fieldOf = (hour: string, name: string) => `h${hour}.${name.replaceAll('.', ':')}`;
const nameOf = (field: string) => field.replaceAll(':', '.');

const HOUR_MS = 3_600_000;
const floorHour = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;

interface DocIncrements {
  project_id: string;
  day: string;
  inc: Record<string, number>;
}

interface Writer {
  add(projectId: string, at: Date, names: string[]): Promise<void>;
}

// Each process writes only documents carrying its own writer id, one flush at a time, so no
// two writers ever update one document: counts stay exact on servers whose $inc is not atomic.
const WRITER_ID = randomBytes(6).toString('hex');
const RETRY_MS = 500;

function createWriter(collection: Collection<HourlyCountDoc>): Writer {
  let pending = new Map<string, DocIncrements>();
  let waiters: (() => void)[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    if (flushing || pending.size === 0) return;
    flushing = true;
    const batch = pending;
    const done = waiters;
    pending = new Map();
    waiters = [];
    try {
      await Promise.all(
        [...batch].map(([_id, d]) =>
          collection.updateOne(
            { _id },
            {
              $inc: d.inc as never,
              $setOnInsert: { project_id: d.project_id, day: d.day, writer: WRITER_ID },
            },
            { upsert: true },
          ),
        ),
      );
      for (const resolve of done) resolve();
    } catch {
      // Kept, not lost: the increments go back in front and are written once the database answers.
      for (const [id, d] of batch) merge(id, d);
      waiters = [...done, ...waiters];
      flushing = false;
      setTimeout(() => void flush(), RETRY_MS).unref();
      return;
    }
    flushing = false;
    void flush();
  }

  function merge(id: string, d: DocIncrements) {
    const into = pending.get(id);
    if (!into) {
      pending.set(id, { ...d, inc: { ...d.inc } });
      return;
    }
    for (const [field, n] of Object.entries(d.inc)) into.inc[field] = (into.inc[field] ?? 0) + n;
  }

  return {
    add(projectId, at, names) {
      const iso = at.toISOString();
      const day = iso.slice(0, 10);
      const inc: Record<string, number> = {};
      for (const name of names) inc[fieldOf(iso.slice(11, 13), name)] = 1;
      merge(`${projectId}:${day}:${WRITER_ID}`, { project_id: projectId, day, inc });
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        void flush();
      });
    },
  };
}

const writers = new WeakMap<Collection<HourlyCountDoc>, Writer>();

/**
 * Adds a newly recorded event to its project's hourly counts; resolves once they are stored.
 * Concurrent events share one write per document (group commit), so counting costs the
 * delivery path about one write per batch, whatever the size of the event log.
 */
export function countEvent(
  c: Collections,
  e: Pick<EventDoc, 'project_id' | 'type' | 'reason' | 'created_at'>,
) {
  let writer = writers.get(c.hourlyCounts);
  if (!writer) {
    writer = createWriter(c.hourlyCounts);
    writers.set(c.hourlyCounts, writer);
  }
  return writer.add(e.project_id, e.created_at, countedNames(e));
}

/**
 * Counts per hour (start, ms) of the project's events in the hours overlapping [since, until):
 * one indexed read of at most a document per day and writer.
 */
export async function hourlyCounts(
  c: Collections,
  projectId: string,
  since: Date,
  until: Date,
): Promise<Map<number, Record<string, number>>> {
  const from = floorHour(since.getTime());
  const docs = await c.hourlyCounts
    .find({
      project_id: projectId,
      day: { $gte: new Date(from).toISOString().slice(0, 10), $lte: until.toISOString().slice(0, 10) },
    })
    .hint(INDEX.hourlyCounts)
    .toArray();
  const hours = new Map<number, Record<string, number>>();
  for (const doc of docs) {
    for (const [key, counts] of Object.entries(doc)) {
      const hour = /^h(\d\d)$/.exec(key)?.[1];
      if (!hour) continue;
      const start = Date.parse(`${doc.day}T${hour}:00:00.000Z`);
      if (start < from || start >= until.getTime()) continue;
      const into = hours.get(start) ?? {};
      for (const [field, n] of Object.entries(counts as Record<string, number>))
        into[nameOf(field)] = (into[nameOf(field)] ?? 0) + n;
      hours.set(start, into);
    }
  }
  return hours;
}
