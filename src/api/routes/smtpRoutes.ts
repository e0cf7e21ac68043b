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

function routeView(c: Collections, r: RouteDoc): z.infer<typeof routeViewSchema> {
  const url = r.url ? c.sealer.open(r.url, ['routes', r._id, 'url']) : '';
  return {
    id: r._id,
    name: r.name,
    type: r.type ?? 'relay',
    ip_pool: r.ip_pool ?? null,
    url: url ? maskCredentials(url) : null,
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
    view: (r) => routeView(c, r),
    viewSchema: routeViewSchema,
    create: {
      summary: 'Add an SMTP relay route',
      body: createRouteSchema,
      build: (body, auth): RouteDoc => {
        assertKnownPool(pools, body.ip_pool);
        if (body.url && !allowPrivate) assertNotInternalTarget(body.url);
        const _id = newId('rte');
        const { url, ...rest } = body;
        return {
          _id,
          project_id: auth.projectId,
          ...rest,
          ...(url ? { url: c.sealer.seal(url, ['routes', _id, 'url']) } : {}),
          created_at: new Date(),
        };
      },
    },
    list: { summary: 'List routes in the order they are tried' },
    get: { summary: 'A route' },
    update: {
      method: 'put',
      summary: 'Replace a route (its name stays)',
      body: updateRouteSchema,
      // A route that becomes `mx` loses its relay URL.
      change: (body, current) => {
        assertKnownPool(pools, body.ip_pool);
        if (body.url && !allowPrivate) assertNotInternalTarget(body.url);
        const unset = {
          ...(body.url ? {} : { url: '' as const }),
          ...(body.ip_pool ? {} : { ip_pool: '' as const }),
        };
        const set = body.url
          ? { ...body, url: c.sealer.seal(body.url, ['routes', current._id, 'url']) }
          : body;
        return Object.keys(unset).length ? { $set: set, $unset: unset } : { $set: set };
      },
    },
    remove: { summary: 'Remove a route' },
  });
}
