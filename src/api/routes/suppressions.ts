import { z } from 'zod';
import { pageBody, pageOf } from '../../contracts/page';
import {
  createSuppressionSchema,
  listSuppressionsQuerySchema,
  suppressionViewSchema,
} from '../../contracts/suppressionSchemas';
import type { SuppressionDoc } from '../../db/documents';
import type { Collections } from '../../db/mongo';
import { normalizeAddress } from '../../messages/address';
import { systemClock } from '../../messages/statusChanges';
import {
  addSuppression,
  getSuppression,
  listSuppressions,
  removeSuppression,
} from '../../suppressions/suppressionList';
import { type RouteSpec, route } from '../routeSpec';

function suppressionView(s: SuppressionDoc): z.infer<typeof suppressionViewSchema> {
  return {
    recipient: s.recipient,
    reason: s.reason,
    source_message_id: s.source_message_id ?? null,
    created_at: s.created_at.toISOString(),
  };
}

const listSchema = pageOf(suppressionViewSchema);

/** /v1/suppressions, and /v1/unsubscribes: the same list seen through `user_unsubscribed`. */
export function suppressionRoutes(c: Collections): RouteSpec[] {
  const views = [
    { base: '/v1/suppressions', tag: 'Suppressions', name: 'Suppression', onlyReason: undefined },
    {
      base: '/v1/unsubscribes',
      tag: 'Unsubscribes',
      name: 'Unsubscribe',
      onlyReason: 'user_unsubscribed' as const,
    },
  ];
  return views.flatMap(({ base, tag, name, onlyReason }) => [
    route({
      method: 'post',
      path: base,
      operationId: `create${name}`,
      tag,
      summary: onlyReason ? 'Record an unsubscribe (blocks marketing mail only)' : 'Suppress an address',
      scope: 'admin',
      body: onlyReason ? createSuppressionSchema.omit({ reason: true }) : createSuppressionSchema,
      responses: {
        201: { description: 'Suppressed', schema: suppressionViewSchema },
        200: {
          description: 'Already on the list; the entry keeps its reason',
          schema: suppressionViewSchema,
        },
      },
      async handler({ body, auth }) {
        const reason = onlyReason ?? (body as unknown as { reason: SuppressionDoc['reason'] }).reason;
        const { entry, created } = await addSuppression(c, systemClock, {
          projectId: auth.projectId,
          recipient: body.recipient,
          reason,
        });
        return { status: created ? 201 : 200, body: suppressionView(entry) };
      },
    }),
    route({
      method: 'get',
      path: base,
      operationId: `list${name}s`,
      tag,
      summary: onlyReason ? 'List unsubscribed addresses' : 'List suppressed addresses, newest first',
      scope: 'read',
      query: listSuppressionsQuerySchema,
      responses: { 200: { description: 'One page', schema: listSchema } },
      async handler({ query, auth }) {
        const reason = onlyReason ?? query.reason;
        const page = await listSuppressions(c, auth.projectId, reason, query);
        return { body: pageBody(page, suppressionView) };
      },
    }),
    route({
      method: 'get',
      path: `${base}/:recipient`,
      operationId: `get${name}`,
      tag,
      summary: onlyReason
        ? 'Whether marketing mail to an address is blocked, and why (any entry blocks it)'
        : 'Whether an address is on the list, and why',
      scope: 'read',
      responses: { 200: { description: 'The entry', schema: suppressionViewSchema } },
      async handler({ params, auth }) {
        return { body: suppressionView(await getSuppression(c, auth.projectId, params.recipient)) };
      },
    }),
    route({
      method: 'delete',
      path: `${base}/:recipient`,
      operationId: `delete${name}`,
      tag,
      summary: 'Remove an address from the list',
      scope: 'admin',
      responses: {
        200: {
          description: 'Removed',
          schema: z.object({ recipient: z.string(), deleted: z.literal(true) }),
        },
      },
      async handler({ params, auth }) {
        await removeSuppression(c, auth.projectId, params.recipient, onlyReason);
        return { body: { recipient: normalizeAddress(params.recipient), deleted: true } };
      },
    }),
  ]);
}
