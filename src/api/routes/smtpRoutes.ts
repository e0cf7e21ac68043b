import { z } from 'zod';
import { createRouteSchema, routeViewSchema, updateRouteSchema } from '../../contracts/routeSchemas';
import { ServiceError } from '../../contracts/serviceError';
import type { RouteDoc } from '../../db/documents';
import { isDuplicateKeyError } from '../../db/duplicateKey';
import { newId } from '../../db/ids';
import type { Collections } from '../../db/mongo';
import { maskCredentials } from '../../delivery/routing';
import { deletedSchema, findOwned } from '../ownedResource';
import { type RouteSpec, route } from '../routeSpec';

function routeView(r: RouteDoc) {
  return {
    id: r._id,
    name: r.name,
    url: maskCredentials(r.url),
    tls: r.tls,
    pool_size: r.pool_size,
    position: r.position,
    match: r.match,
    created_at: r.created_at.toISOString(),
  };
}

/** /v1/routes: named SMTP relays (smarthosts) chosen per recipient domain, type and priority. */
export function smtpRouteRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/routes',
      tag: 'Routes',
      summary: 'Add an SMTP relay route',
      scope: 'admin',
      body: createRouteSchema,
      responses: { 201: { description: 'Created', schema: routeViewSchema } },
      async handler({ body, auth }) {
        const doc: RouteDoc = {
          _id: newId('rte'),
          project_id: auth.projectId,
          ...body,
          created_at: new Date(),
        };
        try {
          await c.routes.insertOne(doc);
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          throw new ServiceError('validation_failed', `A route named ${body.name} already exists.`, [
            { field: 'name', message: 'already exists' },
          ]);
        }
        return { status: 201, body: routeView(doc) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/routes',
      tag: 'Routes',
      summary: 'List routes in the order they are tried',
      scope: 'read',
      responses: { 200: { description: 'Routes', schema: z.object({ data: z.array(routeViewSchema) }) } },
      async handler({ auth }) {
        const all = await c.routes
          .find({ project_id: auth.projectId })
          .sort({ position: 1, name: 1 })
          .toArray();
        return { body: { data: all.map(routeView) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/routes/:id',
      tag: 'Routes',
      summary: 'A route',
      scope: 'read',
      responses: { 200: { description: 'The route', schema: routeViewSchema } },
      async handler({ params, auth }) {
        return { body: routeView(await findOwned(c.routes, auth.projectId, params.id, 'route')) };
      },
    }),
    route({
      method: 'put',
      path: '/v1/routes/:id',
      tag: 'Routes',
      summary: 'Replace a route (its name stays)',
      scope: 'admin',
      body: updateRouteSchema,
      responses: { 200: { description: 'Updated', schema: routeViewSchema } },
      async handler({ params, body, auth }) {
        const current = await findOwned(c.routes, auth.projectId, params.id, 'route');
        const updated = await c.routes.findOneAndUpdate(
          { _id: current._id },
          { $set: body },
          { returnDocument: 'after' },
        );
        return { body: routeView(updated as RouteDoc) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/routes/:id',
      tag: 'Routes',
      summary: 'Remove a route',
      scope: 'admin',
      responses: {
        200: { description: 'Deleted', schema: deletedSchema },
      },
      async handler({ params, auth }) {
        const r = await findOwned(c.routes, auth.projectId, params.id, 'route');
        await c.routes.deleteOne({ _id: r._id });
        return { body: { id: r._id, deleted: true } };
      },
    }),
  ];
}
