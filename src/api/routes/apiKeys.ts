import { z } from 'zod';
import { createApiKey, listLiveKeys, revokeKey } from '../../accounts/apiKeys';
import { keyWithinCreator } from '../../accounts/keyMinting';
import { DEFAULT_RATE_LIMIT_PER_MINUTE } from '../../accounts/rateWindows';
import {
  apiKeyViewSchema,
  createApiKeySchema,
  createdApiKeySchema,
  KEY_TYPE_SCOPES,
} from '../../contracts/apiKeySchemas';
import type { ApiKeyDoc } from '../../db/documents';
import type { Collections } from '../../db/mongo';
import { type RouteSpec, route } from '../routeSpec';

export function apiKeyView(k: ApiKeyDoc): z.infer<typeof apiKeyViewSchema> {
  return {
    id: k._id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    domains: k.domains ?? null,
    test_mode: k.test_mode,
    rate_limit_per_minute: k.rate_limit_per_minute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
    created_at: k.created_at.toISOString(),
  };
}

export function apiKeyRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/api-keys',
      operationId: 'createApiKey',
      tag: 'API keys',
      summary: 'Create an API key; its secret is returned only in this response',
      scope: 'admin',
      body: createApiKeySchema,
      responses: { 201: { description: 'Created', schema: createdApiKeySchema } },
      async handler({ body, auth }) {
        const { key, secret } = await createApiKey(c, {
          projectId: auth.projectId,
          name: body.name,
          ...keyWithinCreator(auth, {
            scopes: body.scopes ?? [...KEY_TYPE_SCOPES[body.type as keyof typeof KEY_TYPE_SCOPES]],
            domains: body.domains,
            testMode: body.test_mode,
            rateLimitPerMinute: body.rate_limit_per_minute,
          }),
        });
        return { status: 201, body: { ...apiKeyView(key), secret } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/api-keys',
      operationId: 'listApiKeys',
      tag: 'API keys',
      summary: "List the project's live keys (secrets are never shown again)",
      scope: 'admin',
      responses: { 200: { description: 'Keys', schema: z.object({ data: z.array(apiKeyViewSchema) }) } },
      async handler({ auth }) {
        return { body: { data: (await listLiveKeys(c, auth.projectId)).map(apiKeyView) } };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/api-keys/:id',
      operationId: 'revokeApiKey',
      tag: 'API keys',
      summary: 'Revoke a key; requests with it fail with 401 at once',
      scope: 'admin',
      responses: {
        200: { description: 'Revoked', schema: z.object({ id: z.string(), revoked: z.literal(true) }) },
      },
      async handler({ params, auth }) {
        await revokeKey(c, auth.projectId, params.id);
        return { body: { id: params.id, revoked: true } };
      },
    }),
  ];
}
