import { projectAnalytics } from '../../analytics/analytics';
import { analyticsQuerySchema, analyticsSchema } from '../../contracts/analyticsSchemas';
import type { Collections } from '../../db/mongo';
import { type RouteSpec, route } from '../routeSpec';

export function analyticsRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/analytics',
      operationId: 'getAnalytics',
      tag: 'Analytics',
      summary:
        'Totals per event type, delivery/bounce/complaint rates and a time series (default: last 7 days)',
      scope: 'read',
      query: analyticsQuerySchema,
      responses: { 200: { description: 'Analytics for the range', schema: analyticsSchema } },
      async handler({ query, auth }) {
        return { body: await projectAnalytics(c, auth.projectId, query) };
      },
    }),
  ];
}
