import { z } from 'zod';
import { pageBody, pageOf } from '../../contracts/page';
import { ServiceError } from '../../contracts/serviceError';
import {
  createSuppressionSchema,
  listSuppressionsQuerySchema,
  suppressionViewSchema,
} from '../../contracts/suppressionSchemas';
import type { SuppressionDoc } from '../../db/documents';
import type { Collections } from '../../db/mongo';
import { newestFirstPage } from '../../db/pagination';
import { normalizeAddress } from '../../messages/address';
import { systemClock } from '../../messages/statusChanges';
import { addSuppression, suppressionId } from '../../suppressions/suppressionList';
import { type RouteSpec, route } from '../routeSpec';

function suppressionView(s: SuppressionDoc) {
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
    { base: '/v1/suppressions', tag: 'Suppressions', onlyReason: undefined },
    { base: '/v1/unsubscribes', tag: 'Unsubscribes', onlyReason: 'user_unsubscribed' as const },
  ];
  return views.flatMap(({ base, tag, onlyReason }) => [
    route({
      method: 'post',
      path: base,
      tag,
      summary: onlyReason ? 'Record an unsubscribe (blocks marketing mail only)' : 'Suppress an address',
      scope: 'admin',
      body: onlyReason ? createSuppressionSchema.omit({ reason: true }) : createSuppressionSchema,
      responses: { 201: { description: 'Suppressed', schema: suppressionViewSchema } },
      async handler({ body, auth }) {
        const reason = onlyReason ?? (body as unknown as { reason: SuppressionDoc['reason'] }).reason;
        await addSuppression(c, systemClock, {
          projectId: auth.projectId,
          recipient: body.recipient,
          reason,
        });
        const stored = await c.suppressions.findOne({ _id: suppressionId(auth.projectId, body.recipient) });
        return { status: 201, body: suppressionView(stored as SuppressionDoc) };
      },
    }),
    route({
      method: 'get',
      path: base,
      tag,
      summary: onlyReason ? 'List unsubscribed addresses' : 'List suppressed addresses, newest first',
      scope: 'read',
      query: listSuppressionsQuerySchema,
      responses: { 200: { description: 'One page', schema: listSchema } },
      async handler({ query, auth }) {
        const reason = onlyReason ?? query.reason;
        const page = await newestFirstPage(
          c.suppressions,
          { project_id: auth.projectId, ...(reason ? { reason } : {}) },
          { limit: query.limit, cursor: query.cursor },
        );
        return { body: pageBody(page, suppressionView) };
      },
    }),
    route({
      method: 'get',
      path: `${base}/:recipient`,
      tag,
      summary: 'Whether an address is on the list, and why',
      scope: 'read',
      responses: { 200: { description: 'The entry', schema: suppressionViewSchema } },
      async handler({ params, auth }) {
        const entry = await c.suppressions.findOne({
          _id: suppressionId(auth.projectId, params.recipient),
          ...(onlyReason ? { reason: onlyReason } : {}),
        });
        if (!entry)
          throw new ServiceError('not_found', `${normalizeAddress(params.recipient)} is not on the list.`);
        return { body: suppressionView(entry) };
      },
    }),
    route({
      method: 'delete',
      path: `${base}/:recipient`,
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
        const result = await c.suppressions.deleteOne({
          _id: suppressionId(auth.projectId, params.recipient),
          ...(onlyReason ? { reason: onlyReason } : {}),
        });
        if (result.deletedCount === 0)
          throw new ServiceError('not_found', `${normalizeAddress(params.recipient)} is not on the list.`);
        return { body: { recipient: normalizeAddress(params.recipient), deleted: true } };
      },
    }),
  ]);
}
