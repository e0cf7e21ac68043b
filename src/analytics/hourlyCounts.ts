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

const HOUR_MS = 3_600_000;
const floorHour = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;

/** Counts by hour ("07") and name, as stored (a JSON string) in HourlyCountDoc.counts. */
type DayCounts = Record<string, Record<string, number>>;

interface OwnDoc {
  project_id: string;
  day: string;
  counts: DayCounts;
  dirty: boolean;
}

interface Writer {
  add(projectId: string, at: Date, names: string[]): Promise<void>;
}

// Each process writes only documents carrying its own writer id, which it created, so it knows
// their counts and writes them whole: no two writers ever touch one document, no $inc is needed
// (FerretDB's is not atomic), and a repeated write is harmless.
const WRITER_ID = randomBytes(6).toString('hex');
const RETRY_MS = 500;
const DAY_MS = 86_400_000;

function createWriter(collection: Collection<HourlyCountDoc>): Writer {
  const own = new Map<string, OwnDoc>();
  let waiters: (() => void)[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    if (flushing) return;
    const dirty = [...own].filter(([, d]) => d.dirty);
    if (!dirty.length) return;
    flushing = true;
    const done = waiters;
    waiters = [];
    const writes = dirty.map(([_id, d]) => {
      d.dirty = false;
      const doc = {
        project_id: d.project_id,
        day: d.day,
        writer: WRITER_ID,
        counts: JSON.stringify(d.counts),
      };
      return collection.updateOne({ _id }, { $set: doc }, { upsert: true });
    });
    try {
      await Promise.all(writes);
    } catch {
      // Kept, not lost: written whole once the database answers again.
      for (const [, d] of dirty) d.dirty = true;
      waiters = [...done, ...waiters];
      flushing = false;
      setTimeout(() => void flush(), RETRY_MS).unref();
      return;
    }
    for (const resolve of done) resolve();
    // Days before yesterday no longer change: forget them.
    const oldest = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
    for (const [id, d] of own) if (!d.dirty && d.day < oldest) own.delete(id);
    flushing = false;
    void flush();
  }

  return {
    add(projectId, at, names) {
      const iso = at.toISOString();
      const day = iso.slice(0, 10);
      const id = `${projectId}:${day}:${WRITER_ID}`;
      const doc = own.get(id) ?? { project_id: projectId, day, counts: {}, dirty: false };
      own.set(id, doc);
      const hour = doc.counts[iso.slice(11, 13)] ?? {};
      for (const name of names) hour[name] = (hour[name] ?? 0) + 1;
      doc.counts[iso.slice(11, 13)] = hour;
      doc.dirty = true;
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
    for (const [hour, counts] of Object.entries(JSON.parse(doc.counts) as DayCounts)) {
      const start = Date.parse(`${doc.day}T${hour}:00:00.000Z`);
      if (start < from || start >= until.getTime()) continue;
      const into = hours.get(start) ?? {};
      for (const [name, n] of Object.entries(counts)) into[name] = (into[name] ?? 0) + n;
      hours.set(start, into);
    }
  }
  return hours;
}
