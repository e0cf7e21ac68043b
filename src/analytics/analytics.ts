import type { Collections } from '../db/mongo';

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
/** The range when the caller gives no `since`. */
export const DEFAULT_RANGE_MS = 7 * 86_400_000;

function ratio(part: number, whole: number): number | null {
  return whole ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/** Delivery analytics from the event log: one indexed range scan on (project_id, created_at). */
export async function projectAnalytics(
  c: Collections,
  projectId: string,
  range: { since?: string; until?: string; bucket: keyof typeof BUCKET_MS },
) {
  const until = range.until ? new Date(range.until) : new Date();
  const since = range.since ? new Date(range.since) : new Date(until.getTime() - DEFAULT_RANGE_MS);
  const size = BUCKET_MS[range.bucket];
  const totals: Record<string, number> = {};
  const series = new Map<number, Record<string, number>>();
  for (let t = Math.floor(since.getTime() / size) * size; t < until.getTime(); t += size) series.set(t, {});
  const cursor = c.events
    .find(
      { project_id: projectId, created_at: { $gte: since, $lt: until } },
      { projection: { type: 1, created_at: 1 } },
    )
    .hint('project_events');
  for await (const e of cursor) {
    totals[e.type] = (totals[e.type] ?? 0) + 1;
    const bucket = series.get(Math.floor(e.created_at.getTime() / size) * size);
    if (bucket) bucket[e.type] = (bucket[e.type] ?? 0) + 1;
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
