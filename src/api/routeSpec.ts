import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { type AuthContext, hasScope } from '../accounts/authContext';
import { ServiceError, validationError } from '../contracts/serviceError';
import type { Scope } from '../db/documents';
import { authOf } from './requestContext';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  auth: AuthContext;
  req: Request;
  res: Response;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One endpoint: its contract (zod schemas, used for validation and for /openapi.json) and
 * its handler. Handlers get validated input and return a reply or write the response.
 */
export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** Express-style path, e.g. /v1/messages/:id */
  path: string;
  /** Stable name for code generators (sendMessage, listWebhooks, …). */
  operationId: string;
  summary: string;
  tag: string;
  scope: Scope;
  body?: B;
  /** Documented request body that the handler validates itself (item by item, say). */
  documentedBody?: z.ZodType;
  query?: Q;
  /** Path parameters with more to say than "a string": validated, and documented as such. */
  params?: z.ZodObject;
  /** Answers by status; JSON unless `contentType` says otherwise (the event stream). */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler: (input: RouteInput<z.infer<B>, z.infer<Q>>) => Promise<Reply | undefined>;
}

/** Keeps the generic types of each route while collecting them in one list. */
export function route<B extends z.ZodType, Q extends z.ZodType>(spec: RouteSpec<B, Q>): RouteSpec {
  return spec as unknown as RouteSpec;
}

function parseOrThrow(schema: z.ZodType, value: unknown, where: 'body' | 'query' | 'path'): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error, where === 'body' ? '' : `${where}.`, `request ${where}`);
}

export function mountRoutes(router: Router, specs: RouteSpec[]): void {
  for (const spec of specs) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      const auth = authOf(res);
      if (!hasScope(auth, spec.scope))
        throw new ServiceError('forbidden', `This API key lacks the "${spec.scope}" scope.`);
      const body = spec.body ? parseOrThrow(spec.body, req.body, 'body') : undefined;
      const query = spec.query ? parseOrThrow(spec.query, req.query, 'query') : undefined;
      if (spec.params) parseOrThrow(spec.params, req.params, 'path');
      const reply = await spec.handler({
        body,
        query,
        params: req.params as Record<string, string>,
        auth,
        req,
        res,
      });
      if (!reply || res.headersSent) return;
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.body === undefined) res.status(reply.status ?? 204).end();
      else res.status(reply.status ?? 200).json(reply.body);
    });
  }
}
