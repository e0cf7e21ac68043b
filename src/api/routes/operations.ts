import {
  operationParamsSchema,
  operationSchema,
  redriveRequestSchema,
  reencryptionRequestSchema,
} from '../../contracts/operationSchemas';
import type { Collections } from '../../db/mongo';
import { cancelOperation, getOperation, startRedrive, startReencryption } from '../../operations/operations';
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
      method: 'post',
      path: '/v1/operations/redrive',
      operationId: 'startRedrive',
      tag: 'Operators',
      summary:
        "Push the project's messages matching a filter (deferred by default) to attempt now, paced, as a cancellable workflow",
      scope: 'admin',
      body: redriveRequestSchema,
      responses: { 202: { description: 'Started', schema: operationSchema } },
      async handler({ body, auth }) {
        return { status: 202, body: await startRedrive(c, workflows, auth.projectId, body) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/operations/:id',
      operationId: 'cancelOperation',
      tag: 'Operators',
      summary: 'Stop a running operation (what it did stays done)',
      scope: 'admin',
      params: operationParamsSchema,
      responses: { 200: { description: 'The operation as it stands', schema: operationSchema } },
      async handler({ params, auth }) {
        return { body: await cancelOperation(c, workflows, auth.projectId, params.id) };
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
