import { z } from 'zod';
import type { RouteSpec } from './routeSpec';

const errorSchema = z.object({
  error: z.string().describe('Machine-readable slug, e.g. bad_request'),
  message: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  request_id: z.string(),
});

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'bad_request: malformed JSON or invalid fields (see errors)',
  '401': 'unauthorized: missing, invalid or revoked key',
  '403': 'forbidden / account_suspended',
  '404': 'not_found',
  '422': 'semantically invalid request',
  '429': 'too_many_requests; see Retry-After',
  '500': 'internal_error',
};

const rateLimitHeaders = {
  'X-RateLimit-Limit': {
    schema: { type: 'integer' },
    description: 'Requests allowed per minute for this key',
  },
  'X-RateLimit-Remaining': {
    schema: { type: 'integer' },
    description: 'Requests left in the current window',
  },
  'X-RateLimit-Reset': { schema: { type: 'integer' }, description: 'Unix time (s) when the window resets' },
  'X-Request-Id': { schema: { type: 'string' }, description: 'Id of this request, also in the server logs' },
};

/** OpenAPI 3.1 document generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(routes: RouteSpec[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {
    '/healthz': {
      get: {
        summary: 'Liveness',
        tags: ['Health'],
        security: [],
        responses: { '200': { description: 'Process is alive' } },
      },
    },
    '/readyz': {
      get: {
        summary: 'Readiness: MongoDB and Temporal reachable',
        tags: ['Health'],
        security: [],
        responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is unreachable' } },
      },
    },
  };
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (r.query) {
      const q = jsonSchema(r.query, 'input') as {
        properties?: Record<string, JsonSchema>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
      }
    }
    if (r.method === 'post' && r.path === '/v1/messages') {
      parameters.push(
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', maxLength: 256 },
        },
        {
          name: 'X-Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', maxLength: 256 },
        },
      );
    }
    const bodySchema = r.documentedBody ?? r.body;
    const responses: Record<string, unknown> = {};
    for (const [status, resp] of Object.entries(r.responses)) {
      responses[status] = {
        description: resp.description,
        headers: rateLimitHeaders,
        ...(resp.schema
          ? { content: { 'application/json': { schema: jsonSchema(resp.schema, 'output') } } }
          : {}),
      };
    }
    for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
      responses[status] ??= {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${path.replace(/[{}]/g, '').replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      description: `Requires the \`${r.scope}\` scope (\`admin\` implies every scope).`,
      ...(parameters.length ? { parameters } : {}),
      ...(bodySchema
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(bodySchema, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sendflow API',
      version: info.version,
      description: 'Transactional email delivery on Temporal and MongoDB. Generated from the zod schemas.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(['Health', ...routes.map((r) => r.tag)])].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
    },
  };
}
