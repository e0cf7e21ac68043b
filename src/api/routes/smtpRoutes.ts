import type { z } from 'zod';
import { createRouteSchema, routeViewSchema, updateRouteSchema } from '../../contracts/routeSchemas';
import type { RouteDoc } from '../../db/documents';
import { newId } from '../../db/ids';
import type { Collections } from '../../db/mongo';
import { routeRepository } from '../../delivery/routeStore';
import {
  assertKnownPool,
  assertNotInternalTarget,
  type IpPools,
  maskCredentials,
} from '../../delivery/routing';
import { resourceRoutes } from '../resourceRoutes';
import type { RouteSpec } from '../routeSpec';

function routeView(r: RouteDoc): z.infer<typeof routeViewSchema> {
  return {
    id: r._id,
    name: r.name,
    type: r.type ?? 'relay',
    ip_pool: r.ip_pool ?? null,
    url: r.url ? maskCredentials(r.url) : null,
    tls: r.tls,
    pool_size: r.pool_size,
    position: r.position,
    match: r.match,
    created_at: r.created_at.toISOString(),
  };
}

/** /v1/routes: relays (smarthosts) or direct delivery, chosen per recipient domain, type and priority. */
export function smtpRouteRoutes(c: Collections, pools: IpPools, allowPrivate: boolean): RouteSpec[] {
  return resourceRoutes({
    name: 'Route',
    path: '/v1/routes',
    tag: 'Routes',
    repository: routeRepository(c),
    view: routeView,
    viewSchema: routeViewSchema,
    create: {
      summary: 'Add an SMTP relay route',
      body: createRouteSchema,
      build: (body, auth): RouteDoc => {
        assertKnownPool(pools, body.ip_pool);
        if (body.url && !allowPrivate) assertNotInternalTarget(body.url);
        return { _id: newId('rte'), project_id: auth.projectId, ...body, created_at: new Date() };
      },
    },
    list: { summary: 'List routes in the order they are tried' },
    get: { summary: 'A route' },
    update: {
      method: 'put',
      summary: 'Replace a route (its name stays)',
      body: updateRouteSchema,
      // A route that becomes `mx` loses its relay URL.
      change: (body) => {
        assertKnownPool(pools, body.ip_pool);
        if (body.url && !allowPrivate) assertNotInternalTarget(body.url);
        const unset = {
          ...(body.url ? {} : { url: '' as const }),
          ...(body.ip_pool ? {} : { ip_pool: '' as const }),
        };
        return Object.keys(unset).length ? { $set: body, $unset: unset } : { $set: body };
      },
    },
    remove: { summary: 'Remove a route' },
  });
}
