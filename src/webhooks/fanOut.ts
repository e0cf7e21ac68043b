import type { EventDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { sendexNamesFor, sendexNamesOfType } from './sendexFormat';

/** Starts the delivery workflow of one (event, endpoint) pair; a repeat is a no-op. */
export interface WebhookWorkflows {
  start(deliveryId: string, round: number): Promise<void>;
}

export function deliveryIdOf(eventId: string, webhookId: string): string {
  return `${eventId}|${webhookId}`;
}

/** Whether any enabled endpoint of the project subscribes to this event type (by any name). */
export async function hasSubscriber(c: Collections, projectId: string, type: string): Promise<boolean> {
  const hook = await c.webhooks.findOne(
    { project_id: projectId, enabled: true, events: { $in: ['*', type, ...sendexNamesOfType(type)] } },
    { projection: { _id: 1 }, hint: INDEX.webhooksEnabled },
  );
  return hook !== null;
}

/** Hands an event to every enabled endpoint of its project that subscribes to it. */
export async function fanOutEvent(
  c: Collections,
  workflows: WebhookWorkflows,
  event: EventDoc,
): Promise<void> {
  const hooks = await c.webhooks
    .find({ project_id: event.project_id, enabled: true })
    .hint(INDEX.webhooksEnabled)
    .toArray();
  const now = new Date();
  for (const hook of hooks) {
    // A dialect-format endpoint may know one event by several names, each its own delivery.
    const names: string[] = hook.format === 'sendex' ? sendexNamesFor(event) : [event.type];
    for (const name of names) {
      if (!hook.events.includes('*') && !hook.events.includes(name)) continue;
      const _id =
        name === event.type
          ? deliveryIdOf(event._id, hook._id)
          : `${deliveryIdOf(event._id, hook._id)}|${name}`;
      await startDelivery(c, workflows, event, hook._id, _id, name, now);
    }
  }
}

async function startDelivery(
  c: Collections,
  workflows: WebhookWorkflows,
  event: EventDoc,
  webhookId: string,
  _id: string,
  name: string,
  now: Date,
): Promise<void> {
  await c.webhookDeliveries.updateOne(
    { _id },
    {
      $setOnInsert: {
        project_id: event.project_id,
        webhook_id: webhookId,
        event_id: event._id,
        event_type: event.type,
        ...(name !== event.type ? { event_name: name } : {}),
        status: 'pending',
        attempts: [],
        round: 0,
        created_at: now,
        updated_at: now,
      },
    },
    { upsert: true },
  );
  await workflows.start(_id, 0);
}
