import type { WebhookAttempt } from '../db/documents';
import type { Collections } from '../db/mongo';
import { recordAccountEvent } from '../events/accountEvents';
import { publicEventId } from '../events/eventLog';
import { openedContent } from '../messages/messageContent';
import type { Clock } from '../messages/statusChanges';
import type { WebhookWorkflows } from './fanOut';
import { eventPayload } from './payload';
import { postWebhook } from './postWebhook';
import { sendexSignature } from './sendexFormat';
import { signatureHeaders } from './signing';

/** An endpoint failing without a single success for this long is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * 3600_000;

export type WebhookAttemptResult = 'succeeded' | 'retry' | 'endpoint_gone';

/** One signed POST of one delivery, recorded with its status code, latency and an excerpt. */
export async function attemptWebhookDelivery(
  c: Collections,
  clock: Clock,
  webhooks: WebhookWorkflows,
  allowPrivate: boolean,
  input: { deliveryId: string; nextAttemptAt?: string; at?: string },
): Promise<WebhookAttemptResult> {
  const delivery = await c.webhookDeliveries.findOne({ _id: input.deliveryId });
  if (!delivery) return 'endpoint_gone';
  const hook = await c.webhooks.findOne({ _id: delivery.webhook_id });
  // Deleted or disabled: the workflow stops and marks the delivery failed.
  if (!hook?.enabled) return 'endpoint_gone';
  const event = await c.events.findOne({ _id: delivery.event_id });
  if (!event) throw new Error(`event ${delivery.event_id} not found`);
  const stored = await c.messages.findOne(
    { _id: event.message_id },
    { projection: { recipient: 1, tags: 1, metadata: 1, headers: 1, 'sealed.summary': 1 } },
  );
  const payload = eventPayload(event, stored && openedContent(c, stored));
  // The attempt is recorded in workflow time; the signature carries the wall clock the
  // receiver compares it with.
  const now = input.at ? new Date(input.at) : clock.now();
  const secret = c.sealer.open(hook.secret, ['webhooks', hook._id, 'secret']);
  let body: string;
  let headers: Record<string, string>;
  if (hook.format === 'sendex') {
    const name = delivery.event_name ?? event.type;
    body = JSON.stringify({
      event: name,
      created_at: payload.created_at,
      data: { id: payload.id, ...payload.data },
    });
    headers = { 'X-Sendex-Signature': sendexSignature(secret, body) };
  } else {
    body = JSON.stringify(payload);
    const signedAt = Math.floor(clock.now().getTime() / 1000);
    // webhook-id is the event's id: the same on every retry, so receivers can de-duplicate.
    headers = signatureHeaders(secret, publicEventId(event), signedAt, body);
  }
  const result = await postWebhook(hook.url, headers, body, { allowPrivate });
  const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;

  const attempt: WebhookAttempt = { at: now, latency_ms: result.latencyMs };
  if (result.statusCode !== undefined) attempt.status_code = result.statusCode;
  if (result.error) attempt.error = result.error;
  if (result.excerpt) attempt.response_excerpt = result.excerpt;
  await c.webhookDeliveries.updateOne(
    { _id: delivery._id },
    {
      $push: { attempts: attempt },
      $set: {
        status: ok ? 'succeeded' : 'pending',
        updated_at: now,
        ...(!ok && input.nextAttemptAt ? { next_attempt_at: new Date(input.nextAttemptAt) } : {}),
      },
      ...(ok ? { $unset: { next_attempt_at: '' } } : {}),
    },
  );
  if (ok) {
    if (hook.failing_since) await c.webhooks.updateOne({ _id: hook._id }, { $unset: { failing_since: '' } });
    return 'succeeded';
  }
  if (!hook.failing_since) {
    await c.webhooks.updateOne(
      { _id: hook._id, failing_since: { $exists: false } },
      { $set: { failing_since: now } },
    );
  } else if (now.getTime() - hook.failing_since.getTime() > DISABLE_AFTER_MS) {
    const reason = `failing continuously since ${hook.failing_since.toISOString()}`;
    await c.webhooks.updateOne({ _id: hook._id }, { $set: { enabled: false, disabled_reason: reason } });
    await recordAccountEvent(c, webhooks, {
      projectId: hook.project_id,
      type: 'webhook.disabled',
      key: `${hook._id}:${hook.failing_since.getTime()}`,
      at: now,
      details: { webhook_id: hook._id, url: hook.url, reason },
    });
  }
  return 'retry';
}

export async function markWebhookDeliveryFailed(
  c: Collections,
  clock: Clock,
  deliveryId: string,
): Promise<void> {
  await c.webhookDeliveries.updateOne(
    { _id: deliveryId },
    { $set: { status: 'failed', updated_at: clock.now() }, $unset: { next_attempt_at: '' } },
  );
}
