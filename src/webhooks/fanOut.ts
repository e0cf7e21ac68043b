import type { EventDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';

/** Starts the delivery workflow of one (event, endpoint) pair; a repeat is a no-op. */
export interface WebhookWorkflows {
  start(deliveryId: string, round: number): Promise<void>;
}

export function deliveryIdOf(eventId: string, webhookId: string): string {
  return `${eventId}|${webhookId}`;
}

/** Whether any enabled endpoint of the project subscribes to this event type. */
export async function hasSubscriber(c: Collections, projectId: string, type: string): Promise<boolean> {
  const hook = await c.webhooks.findOne(
    { project_id: projectId, enabled: true, events: { $in: ['*', type] } },
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
    if (!hook.events.includes('*') && !hook.events.includes(event.type)) continue;
    const _id = deliveryIdOf(event._id, hook._id);
    await c.webhookDeliveries.updateOne(
      { _id },
      {
        $setOnInsert: {
          project_id: event.project_id,
          webhook_id: hook._id,
          event_id: event._id,
          event_type: event.type,
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
}
