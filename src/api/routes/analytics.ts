import { analyticsQuerySchema, analyticsSchema } from '../../contracts/analyticsSchemas';
import type { Collections } from '../../db/mongo';
import { type RouteSpec, route } from '../routeSpec';

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

function ratio(part: number, whole: number): number | null {
  return whole ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/** Delivery analytics from the event log: one indexed range scan on (project_id, created_at). */
export function analyticsRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/analytics',
      tag: 'Analytics',
      summary: 'Totals per event type, delivery/bounce/complaint rates and a time series',
      scope: 'read',
      query: analyticsQuerySchema,
      responses: { 200: { description: 'Analytics for the range', schema: analyticsSchema } },
      async handler({ query, auth }) {
        const since = new Date(query.since);
        const until = query.until ? new Date(query.until) : new Date();
        const size = BUCKET_MS[query.bucket];
        const totals: Record<string, number> = {};
        const series = new Map<number, Record<string, number>>();
        for (let t = Math.floor(since.getTime() / size) * size; t < until.getTime(); t += size)
          series.set(t, {});
        const cursor = c.events
          .find(
            { project_id: auth.projectId, created_at: { $gte: since, $lt: until } },
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
          body: {
            since: since.toISOString(),
            until: until.toISOString(),
            bucket: query.bucket,
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
          },
        };
      },
    }),
  ];
}
