import { z } from 'zod';
import { ERROR_SLUGS } from '../contracts/serviceError';
import { DIALECT_ERRORS } from './dialects/dialectErrors';
import type { RouteSpec } from './routeSpec';

const errorSchema = z
  .object({
    error: z.enum(ERROR_SLUGS).describe('Machine-readable slug, e.g. bad_request'),
    message: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    request_id: z.string(),
  })
  .meta({ id: 'Error' });

type JsonSchema = Record<string, unknown>;

/**
 * Named schemas of the document: every request and response body is a component (by its zod
 * `id` when it has one, else by its operation), so generators produce named types.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /** A reference to the component for this schema, adding it (and what it names) first. */
  ref(schema: z.ZodType, io: 'input' | 'output', fallbackName: string): JsonSchema {
    const converted = this.convert(schema, io);
    if (typeof converted.$ref === 'string') return converted;
    this.schemas[fallbackName] = converted;
    return { $ref: `#/components/schemas/${fallbackName}` };
  }

  /** Inline JSON Schema (query parameters), with named parts hoisted into components. */
  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
    const {
      $schema: _dialect,
      $defs,
      ...rest
    } = JSON.parse(JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    for (const [name, def] of Object.entries($defs ?? {})) this.schemas[name] ??= def;
    return rest;
  }
}

const pascal = (id: string) => id[0].toUpperCase() + id.slice(1);

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'bad_request: malformed JSON or invalid fields (see errors)',
  '401': 'unauthorized: missing, invalid or revoked key',
  '403': 'forbidden / account_suspended',
  '404': 'not_found',
  '405': 'method_not_allowed; see Allow',
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
        operationId: 'healthz',
        tags: ['Health'],
        security: [],
        responses: { '200': { description: 'Process is alive' } },
      },
    },
    '/readyz': {
      get: {
        summary: 'Readiness: MongoDB and Temporal reachable',
        operationId: 'readyz',
        tags: ['Health'],
        security: [],
        responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is unreachable' } },
      },
    },
  };
  const components = new Components();
  const errorRef = components.ref(errorSchema, 'output', 'Error');
  const dialectErrorRefs = DIALECT_ERRORS.map((d) => ({
    prefix: d.prefix,
    ref: components.ref(d.schema, 'output', d.schemaName),
  }));
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const pathSchemas = (r.params ? components.convert(r.params, 'input').properties : undefined) as
      | Record<string, JsonSchema>
      | undefined;
    const parameters: unknown[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: pathSchemas?.[m[1]] ?? { type: 'string' },
    }));
    if (r.query) {
      const q = components.convert(r.query, 'input') as {
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
    const op = pascal(r.operationId);
    const responses: Record<string, unknown> = {};
    for (const [status, resp] of Object.entries(r.responses)) {
      const contentType = resp.contentType ?? 'application/json';
      const schema =
        resp.schema &&
        (contentType === 'application/json'
          ? components.ref(resp.schema, 'output', `${op}Response`)
          : components.convert(resp.schema, 'output'));
      responses[status] = {
        description: resp.description,
        headers: rateLimitHeaders,
        ...(schema ? { content: { [contentType]: { schema } } } : {}),
      };
    }
    const errorBody = dialectErrorRefs.find((d) => r.path.startsWith(d.prefix))?.ref ?? errorRef;
    for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
      responses[status] ??= { description, content: { 'application/json': { schema: errorBody } } };
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: r.operationId,
      description: `Requires the \`${r.scope}\` scope (\`admin\` implies every scope).`,
      ...(parameters.length ? { parameters } : {}),
      ...(bodySchema
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: components.ref(bodySchema, 'input', `${op}Request`) },
              },
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
      schemas: components.schemas,
    },
  };
}
