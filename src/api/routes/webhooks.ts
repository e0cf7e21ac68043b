import { z } from 'zod';
import type { Config } from '../../config';
import { pageBody, pageOf, pageQueryFields } from '../../contracts/page';
import { ServiceError } from '../../contracts/serviceError';
import {
  createWebhookSchema,
  eventsOfFormat,
  updateWebhookSchema,
  webhookDeliverySchema,
  webhookViewSchema,
  webhookWithSecretSchema,
} from '../../contracts/webhookSchemas';
import type { WebhookDeliveryDoc, WebhookDoc } from '../../db/documents';
import { newId } from '../../db/ids';
import type { Collections } from '../../db/mongo';
import { publicEventId } from '../../events/eventLog';
import type { WebhookWorkflows } from '../../webhooks/fanOut';
import { newWebhookSecret } from '../../webhooks/signing';
import {
  assertDeliverableUrl,
  deliveryPage,
  retryDelivery,
  webhookRepository,
} from '../../webhooks/webhookStore';
import { resourceRoutes } from '../resourceRoutes';
import { type RouteSpec, route } from '../routeSpec';

function webhookView(w: WebhookDoc): z.infer<typeof webhookViewSchema> {
  return {
    id: w._id,
    url: w.url,
    events: w.events,
    format: w.format ?? 'standard',
    description: w.description ?? null,
    enabled: w.enabled,
    disabled_reason: w.disabled_reason ?? null,
    failing_since: w.failing_since?.toISOString() ?? null,
    created_at: w.created_at.toISOString(),
  };
}

function deliveryView(d: WebhookDeliveryDoc): z.infer<typeof webhookDeliverySchema> {
  return {
    id: `whd_${Buffer.from(d._id).toString('base64url')}`,
    webhook_id: d.webhook_id,
    event_id: publicEventId({ _id: d.event_id }),
    event: d.event_name ?? d.event_type,
    status: d.status,
    attempts: d.attempts.map((a) => ({
      at: a.at.toISOString(),
      status_code: a.status_code ?? null,
      latency_ms: a.latency_ms,
      error: a.error ?? null,
      response_excerpt: a.response_excerpt ?? null,
    })),
    next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
    created_at: d.created_at.toISOString(),
  };
}

function deliveryIdFromPublic(id: string): string | null {
  if (!id.startsWith('whd_')) return null;
  return Buffer.from(id.slice(4), 'base64url').toString('utf8');
}

export function webhookRoutes(c: Collections, config: Config, workflows: WebhookWorkflows): RouteSpec[] {
  const allowPrivate = config.SENDFLOW_WEBHOOK_ALLOW_PRIVATE;
  const webhooks = webhookRepository(c);
  return [
    ...resourceRoutes({
      name: 'Webhook',
      path: '/v1/webhooks',
      tag: 'Webhooks',
      repository: webhooks,
      view: webhookView,
      viewSchema: webhookViewSchema,
      create: {
        summary: 'Register an endpoint; the signing secret is returned only now (and on rotation)',
        body: createWebhookSchema,
        build: async (body, auth): Promise<WebhookDoc> => {
          await assertDeliverableUrl(body.url, allowPrivate);
          const _id = newId('wh');
          return {
            _id,
            project_id: auth.projectId,
            ...body,
            secret: c.sealer.seal(newWebhookSecret(), ['webhooks', _id, 'secret']),
            created_at: new Date(),
          };
        },
        reply: {
          schema: webhookWithSecretSchema,
          body: (doc) => ({
            ...webhookView(doc),
            secret: c.sealer.open(doc.secret, ['webhooks', doc._id, 'secret']),
          }),
        },
      },
      list: { summary: 'List endpoints' },
      get: { summary: 'An endpoint' },
      update: {
        method: 'patch',
        summary: 'Change url, events, description or enabled (re-enabling clears the failure streak)',
        body: updateWebhookSchema,
        change: async (body, current) => {
          if (body.url) await assertDeliverableUrl(body.url, allowPrivate);
          const format = current.format ?? 'standard';
          const foreign = (body.events ?? []).filter((e) => e !== '*' && !eventsOfFormat(format).includes(e));
          if (foreign.length)
            throw new ServiceError(
              'bad_request',
              `Not events of the ${format} format: ${foreign.join(', ')}.`,
              [{ field: 'events', message: `not events of the ${format} format` }],
            );
          const reenabling = body.enabled === true && !current.enabled;
          return {
            $set: body,
            ...(reenabling ? { $unset: { failing_since: '', disabled_reason: '' } } : {}),
          };
        },
      },
      remove: { summary: 'Remove an endpoint; pending deliveries to it stop' },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/:id/rotate-secret',
      operationId: 'rotateWebhookSecret',
      tag: 'Webhooks',
      summary: 'Replace the signing secret; deliveries from now on use the new one',
      scope: 'admin',
      responses: {
        200: { description: 'The endpoint with its new secret', schema: webhookWithSecretSchema },
      },
      async handler({ params, auth }) {
        const secret = newWebhookSecret();
        const current = await webhooks.get(auth.projectId, params.id);
        const updated = await webhooks.update(current, {
          $set: { secret: c.sealer.seal(secret, ['webhooks', current._id, 'secret']) },
        });
        return { body: { ...webhookView(updated), secret } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id/deliveries',
      operationId: 'listWebhookDeliveries',
      tag: 'Webhooks',
      summary: 'Deliveries to an endpoint, newest first, with every attempt',
      scope: 'read',
      query: z.object(pageQueryFields(25)).strict(),
      responses: { 200: { description: 'One page', schema: pageOf(webhookDeliverySchema) } },
      async handler({ params, query, auth }) {
        const w = await webhooks.get(auth.projectId, params.id);
        return { body: pageBody(await deliveryPage(c, w._id, query), deliveryView) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/deliveries/:id/retry',
      operationId: 'retryWebhookDelivery',
      tag: 'Webhooks',
      summary: 'Send a failed delivery again (a new round of attempts, same webhook-id)',
      scope: 'admin',
      responses: { 202: { description: 'Retry started', schema: webhookDeliverySchema } },
      async handler({ params, auth }) {
        const id = deliveryIdFromPublic(params.id);
        if (!id) throw new ServiceError('not_found', `No delivery ${params.id}.`);
        return {
          status: 202,
          body: deliveryView(await retryDelivery(c, workflows, auth.projectId, id, params.id)),
        };
      },
    }),
  ];
}
