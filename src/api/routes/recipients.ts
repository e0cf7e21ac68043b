import { erasureParamsSchema, erasureReportSchema } from '../../contracts/erasureSchemas';
import type { Collections } from '../../db/mongo';
import { eraseRecipient } from '../../privacy/erasure';
import { type RouteSpec, route } from '../routeSpec';

/** Erasure of one person's data on request (GDPR art. 17 and the like). */
export function recipientRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'delete',
      path: '/v1/recipients/:address',
      operationId: 'eraseRecipient',
      tag: 'Recipients',
      summary:
        "Erase a recipient: their messages' content is deleted, their address replaced by a keyed hash; a suppression is kept",
      scope: 'admin',
      params: erasureParamsSchema,
      responses: { 200: { description: 'What was touched', schema: erasureReportSchema } },
      async handler({ params, auth }) {
        return { body: await eraseRecipient(c, auth.projectId, params.address) };
      },
    }),
  ];
}
