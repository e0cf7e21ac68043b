import {
  operationParamsSchema,
  operationSchema,
  reencryptionRequestSchema,
} from '../../contracts/operationSchemas';
import type { Collections } from '../../db/mongo';
import { getOperation, startReencryption } from '../../operations/operations';
import type { OperationWorkflows } from '../../temporal/operationWorkflows';
import { type RouteSpec, route } from '../routeSpec';

/** Operators' long-running actions, each a workflow visible in the Temporal UI. */
export function operationRoutes(c: Collections, workflows: OperationWorkflows): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/operations/reencrypt',
      operationId: 'startReencryption',
      tag: 'Operators',
      summary:
        'Re-encrypt everything stored under an old key with the current one, then retire the old keys (default project admin keys)',
      scope: 'admin',
      body: reencryptionRequestSchema,
      responses: { 202: { description: 'Started', schema: operationSchema } },
      async handler({ body, auth }) {
        return { status: 202, body: await startReencryption(c, workflows, auth.projectId, body) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/operations/:id',
      operationId: 'getOperation',
      tag: 'Operators',
      summary: 'Where an operation stands: status, progress, result',
      scope: 'read',
      params: operationParamsSchema,
      responses: { 200: { description: 'The operation', schema: operationSchema } },
      async handler({ params, auth }) {
        return { body: await getOperation(c, workflows, auth.projectId, params.id) };
      },
    }),
  ];
}
