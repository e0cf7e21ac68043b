import { z } from 'zod';
import type { Config } from '../../config';
import { pageBody, pageOf, pageQueryFields } from '../../contracts/page';
import { ServiceError } from '../../contracts/serviceError';
import {
  createWebhookSchema,
  updateWebhookSchema,
  webhookDeliverySchema,
  webhookViewSchema,
  webhookWithSecretSchema,
} from '../../contracts/webhookSchemas';
import type { WebhookDeliveryDoc, WebhookDoc } from '../../db/documents';
import { newId } from '../../db/ids';
import type { Collections } from '../../db/mongo';
import { newestFirstPage } from '../../db/pagination';
import { publicEventId } from '../../events/eventLog';
import { BlockedAddressError, resolvePublicAddress } from '../../webhooks/addressGuard';
import type { WebhookWorkflows } from '../../webhooks/fanOut';
import { newWebhookSecret } from '../../webhooks/signing';
import { deletedSchema, findOwned } from '../ownedResource';
import { type RouteSpec, route } from '../routeSpec';

function webhookView(w: WebhookDoc) {
  return {
    id: w._id,
    url: w.url,
    events: w.events,
    description: w.description ?? null,
    enabled: w.enabled,
    disabled_reason: w.disabled_reason ?? null,
    failing_since: w.failing_since?.toISOString() ?? null,
    created_at: w.created_at.toISOString(),
  };
}

function deliveryView(d: WebhookDeliveryDoc) {
  return {
    id: `whd_${Buffer.from(d._id).toString('base64url')}`,
    webhook_id: d.webhook_id,
    event_id: publicEventId({ _id: d.event_id }),
    event: d.event_type,
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

/** Refuses URLs that resolve to internal addresses unless SENDFLOW_WEBHOOK_ALLOW_PRIVATE is set. */
async function assertDeliverableUrl(url: string, allowPrivate: boolean): Promise<void> {
  try {
    await resolvePublicAddress(new URL(url).hostname, allowPrivate);
  } catch (err) {
    const reason =
      err instanceof BlockedAddressError ? err.message : `cannot resolve: ${(err as Error).message}`;
    throw new ServiceError('validation_failed', `The webhook URL is not allowed: ${reason}.`, [
      { field: 'url', message: reason },
    ]);
  }
}

export function webhookRoutes(c: Collections, config: Config, workflows: WebhookWorkflows): RouteSpec[] {
  const allowPrivate = config.SENDFLOW_WEBHOOK_ALLOW_PRIVATE;
  return [
    route({
      method: 'post',
      path: '/v1/webhooks',
      tag: 'Webhooks',
      summary: 'Register an endpoint; the signing secret is returned only now (and on rotation)',
      scope: 'admin',
      body: createWebhookSchema,
      responses: { 201: { description: 'Created', schema: webhookWithSecretSchema } },
      async handler({ body, auth }) {
        await assertDeliverableUrl(body.url, allowPrivate);
        const doc: WebhookDoc = {
          _id: newId('wh'),
          project_id: auth.projectId,
          ...body,
          secret: newWebhookSecret(),
          created_at: new Date(),
        };
        await c.webhooks.insertOne(doc);
        return { status: 201, body: { ...webhookView(doc), secret: doc.secret } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks',
      tag: 'Webhooks',
      summary: 'List endpoints',
      scope: 'read',
      responses: {
        200: { description: 'Endpoints', schema: z.object({ data: z.array(webhookViewSchema) }) },
      },
      async handler({ auth }) {
        const all = await c.webhooks.find({ project_id: auth.projectId }).sort({ created_at: 1 }).toArray();
        return { body: { data: all.map(webhookView) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id',
      tag: 'Webhooks',
      summary: 'An endpoint',
      scope: 'read',
      responses: { 200: { description: 'The endpoint', schema: webhookViewSchema } },
      async handler({ params, auth }) {
        return { body: webhookView(await findOwned(c.webhooks, auth.projectId, params.id, 'webhook')) };
      },
    }),
    route({
      method: 'patch',
      path: '/v1/webhooks/:id',
      tag: 'Webhooks',
      summary: 'Change url, events, description or enabled (re-enabling clears the failure streak)',
      scope: 'admin',
      body: updateWebhookSchema,
      responses: { 200: { description: 'Updated', schema: webhookViewSchema } },
      async handler({ params, body, auth }) {
        const current = await findOwned(c.webhooks, auth.projectId, params.id, 'webhook');
        if (body.url) await assertDeliverableUrl(body.url, allowPrivate);
        const reenabling = body.enabled === true && !current.enabled;
        const updated = await c.webhooks.findOneAndUpdate(
          { _id: current._id },
          { $set: body, ...(reenabling ? { $unset: { failing_since: '', disabled_reason: '' } } : {}) },
          { returnDocument: 'after' },
        );
        return { body: webhookView(updated as WebhookDoc) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/:id/rotate-secret',
      tag: 'Webhooks',
      summary: 'Replace the signing secret; deliveries from now on use the new one',
      scope: 'admin',
      responses: {
        200: { description: 'The endpoint with its new secret', schema: webhookWithSecretSchema },
      },
      async handler({ params, auth }) {
        const current = await findOwned(c.webhooks, auth.projectId, params.id, 'webhook');
        const secret = newWebhookSecret();
        await c.webhooks.updateOne({ _id: current._id }, { $set: { secret } });
        return { body: { ...webhookView(current), secret } };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/webhooks/:id',
      tag: 'Webhooks',
      summary: 'Remove an endpoint; pending deliveries to it stop',
      scope: 'admin',
      responses: {
        200: { description: 'Deleted', schema: deletedSchema },
      },
      async handler({ params, auth }) {
        const w = await findOwned(c.webhooks, auth.projectId, params.id, 'webhook');
        await c.webhooks.deleteOne({ _id: w._id });
        return { body: { id: w._id, deleted: true } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/webhooks/:id/deliveries',
      tag: 'Webhooks',
      summary: 'Deliveries to an endpoint, newest first, with every attempt',
      scope: 'read',
      query: z.object(pageQueryFields(25)).strict(),
      responses: { 200: { description: 'One page', schema: pageOf(webhookDeliverySchema) } },
      async handler({ params, query, auth }) {
        const w = await findOwned(c.webhooks, auth.projectId, params.id, 'webhook');
        const page = await newestFirstPage(c.webhookDeliveries, { webhook_id: w._id }, query);
        return {
          body: pageBody(page, deliveryView),
        };
      },
    }),
    route({
      method: 'post',
      path: '/v1/webhooks/deliveries/:id/retry',
      tag: 'Webhooks',
      summary: 'Send a failed delivery again (a new round of attempts, same webhook-id)',
      scope: 'admin',
      responses: { 202: { description: 'Retry started', schema: webhookDeliverySchema } },
      async handler({ params, auth }) {
        const id = deliveryIdFromPublic(params.id);
        const delivery = id
          ? await c.webhookDeliveries.findOne({ _id: id, project_id: auth.projectId })
          : null;
        if (!delivery) throw new ServiceError('not_found', `No delivery ${params.id}.`);
        if (delivery.status !== 'failed') {
          throw new ServiceError(
            'validation_failed',
            `Delivery ${params.id} is ${delivery.status}; only failed deliveries are retried.`,
          );
        }
        const round = delivery.round + 1;
        const updated = await c.webhookDeliveries.findOneAndUpdate(
          { _id: delivery._id, status: 'failed' },
          { $set: { status: 'pending', round, updated_at: new Date() } },
          { returnDocument: 'after' },
        );
        await workflows.start(delivery._id, round);
        return { status: 202, body: deliveryView(updated as WebhookDeliveryDoc) };
      },
    }),
  ];
}
