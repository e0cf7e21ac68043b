import type { UpdateFilter } from 'mongodb';
import { z } from 'zod';
import type { AuthContext } from '../accounts/authContext';
import type { Scope } from '../db/documents';
import type { OwnedDoc, OwnedRepository } from '../db/ownedRepository';
import { type RouteSpec, route } from './routeSpec';

/**
 * The CRUD endpoints every project resource shares (create, list, get, update, delete), built
 * once from its repository, its view and its schemas. Resource-specific endpoints are added
 * beside these by the resource's own route file.
 */
/** Answer of every DELETE of a project resource. */
export const deletedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

export interface ResourceSpec<
  T extends OwnedDoc,
  S extends z.ZodType,
  C extends z.ZodType,
  U extends z.ZodType,
> {
  /** e.g. /v1/routes; items live at /v1/routes/:id */
  path: string;
  tag: string;
  /** The resource's name in operationIds: `Webhook` makes createWebhook, listWebhooks, … */
  name: string;
  repository: OwnedRepository<T>;
  /** The answer for one resource, typed by its schema. */
  view: (doc: T) => z.infer<S>;
  viewSchema: S;
  create: {
    summary: string;
    body: C;
    /** The new document; may validate and throw ServiceError. */
    build: (body: z.infer<C>, auth: AuthContext) => Promise<T> | T;
    /** What the creation answers, when more than the view (a secret shown once, say). */
    reply?: { schema: z.ZodType; body: (doc: T) => unknown };
  };
  list: { summary: string };
  get: { summary: string };
  update?: {
    method: 'put' | 'patch';
    summary: string;
    body: U;
    /** The MongoDB update for the validated body, given the current document. */
    change: (body: z.infer<U>, current: T) => Promise<UpdateFilter<T>> | UpdateFilter<T>;
  };
  remove: { summary: string };
  /** Scope that may change the resource; reading always needs `read`. */
  writeScope?: Scope;
}

export function resourceRoutes<
  T extends OwnedDoc,
  S extends z.ZodType,
  C extends z.ZodType,
  U extends z.ZodType,
>(spec: ResourceSpec<T, S, C, U>): RouteSpec[] {
  const { path, tag, name, repository: repo, view, viewSchema } = spec;
  const writeScope = spec.writeScope ?? 'admin';
  const item = `${path}/:id`;
  const update = spec.update;
  return [
    route({
      method: 'post',
      path,
      operationId: `create${name}`,
      tag,
      summary: spec.create.summary,
      scope: writeScope,
      body: spec.create.body,
      responses: { 201: { description: 'Created', schema: spec.create.reply?.schema ?? viewSchema } },
      async handler({ body, auth }) {
        const doc = await repo.insert(await spec.create.build(body, auth));
        return { status: 201, body: spec.create.reply ? spec.create.reply.body(doc) : view(doc) };
      },
    }),
    route({
      method: 'get',
      path,
      operationId: `list${name}s`,
      tag,
      summary: spec.list.summary,
      scope: 'read',
      responses: {
        200: { description: 'All of the project', schema: z.object({ data: z.array(viewSchema) }) },
      },
      async handler({ auth }) {
        return { body: { data: (await repo.list(auth.projectId)).map(view) } };
      },
    }),
    route({
      method: 'get',
      path: item,
      operationId: `get${name}`,
      tag,
      summary: spec.get.summary,
      scope: 'read',
      responses: { 200: { description: 'The resource', schema: viewSchema } },
      async handler({ params, auth }) {
        return { body: view(await repo.get(auth.projectId, params.id)) };
      },
    }),
    ...(update
      ? [
          route({
            method: update.method,
            path: item,
            operationId: `${update.method === 'put' ? 'replace' : 'update'}${name}`,
            tag,
            summary: update.summary,
            scope: writeScope,
            body: update.body,
            responses: { 200: { description: 'Updated', schema: viewSchema } },
            async handler({ params, body, auth }) {
              const current = await repo.get(auth.projectId, params.id);
              return {
                body: view(await repo.update(current, await update.change(body, current))),
              };
            },
          }),
        ]
      : []),
    route({
      method: 'delete',
      path: item,
      operationId: `delete${name}`,
      tag,
      summary: spec.remove.summary,
      scope: writeScope,
      responses: { 200: { description: 'Deleted', schema: deletedSchema } },
      async handler({ params, auth }) {
        const removed = await repo.remove(auth.projectId, params.id);
        return { body: { id: removed._id, deleted: true } };
      },
    }),
  ];
}
