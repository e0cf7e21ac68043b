import type { Collections } from '../db/mongo';
import { hourlyCounts, INFRASTRUCTURE_BOUNCES } from './hourlyCounts';

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
/** The range when the caller gives no `since`. */
export const DEFAULT_RANGE_MS = 7 * 86_400_000;

const floorTo = (t: number, size: number) => Math.floor(t / size) * size;

function ratio(part: number, whole: number): number | null {
  return whole ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/**
 * Delivery analytics from the hourly counts (hourlyCounts.ts): the range covers every hour it
 * touches, and the answer's `since`/`until` say so. The cost is one indexed read of a few
 * documents per day, whatever the size of the event log.
 */
export async function projectAnalytics(
  c: Collections,
  projectId: string,
  range: { since?: string; until?: string; bucket: keyof typeof BUCKET_MS },
) {
  const asked = range.until ? new Date(range.until) : new Date();
  const since = new Date(
    floorTo(range.since ? Date.parse(range.since) : asked.getTime() - DEFAULT_RANGE_MS, BUCKET_MS.hour),
  );
  const until = new Date(floorTo(asked.getTime() - 1, BUCKET_MS.hour) + BUCKET_MS.hour);
  const size = BUCKET_MS[range.bucket];
  const totals: Record<string, number> = {};
  const series = new Map<number, Record<string, number>>();
  for (let t = floorTo(since.getTime(), size); t < until.getTime(); t += size) series.set(t, {});
  for (const [hour, counts] of await hourlyCounts(c, projectId, since, until)) {
    const bucket = series.get(floorTo(hour, size));
    for (const [name, n] of Object.entries(counts)) {
      if (name === INFRASTRUCTURE_BOUNCES) continue;
      totals[name] = (totals[name] ?? 0) + n;
      if (bucket) bucket[name] = (bucket[name] ?? 0) + n;
    }
  }
  const sent = totals['email.accepted'] ?? 0;
  const delivered = totals['email.delivered'] ?? 0;
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    bucket: range.bucket,
    totals,
    rates: {
      sent,
      delivery_rate: ratio(delivered, sent),
      bounce_rate: ratio(totals['email.bounced'] ?? 0, sent),
      complaint_rate: ratio(totals['email.complained'] ?? 0, delivered),
    },
    series: [...series.entries()].map(([start, counts]) => ({
      start: new Date(start).toISOString(),
      counts,
    })),
  };
}
