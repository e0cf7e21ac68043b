import type { PagePosition } from '../contracts/page';
import { ServiceError } from '../contracts/serviceError';
import type { WebhookDeliveryDoc, WebhookDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { ownedRepository } from '../db/ownedRepository';
import { newestFirstPage } from '../db/pagination';
import { BlockedAddressError, resolvePublicAddress } from '../network/addressGuard';
import type { WebhookWorkflows } from './fanOut';

/** Endpoints of a project, oldest first. */
export function webhookRepository(c: Collections) {
  return ownedRepository<WebhookDoc>(c.webhooks, { noun: 'webhook', sort: { created_at: 1 } });
}

/** Refuses URLs that resolve to internal addresses unless private addresses are allowed. */
export async function assertDeliverableUrl(url: string, allowPrivate: boolean): Promise<void> {
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

export function deliveryPage(
  c: Collections,
  webhookId: string,
  page: { limit: number; cursor?: PagePosition },
) {
  return newestFirstPage(
    c.webhookDeliveries,
    { webhook_id: webhookId },
    { ...page, index: INDEX.deliveriesNewest },
  );
}

/** Starts a failed delivery again as a new round (a new workflow with the same webhook-id). */
export async function retryDelivery(
  c: Collections,
  workflows: WebhookWorkflows,
  projectId: string,
  deliveryId: string,
  publicId: string,
): Promise<WebhookDeliveryDoc> {
  const delivery = await c.webhookDeliveries.findOne({ _id: deliveryId, project_id: projectId });
  if (!delivery) throw new ServiceError('not_found', `No delivery ${publicId}.`);
  if (delivery.status !== 'failed') {
    throw new ServiceError(
      'validation_failed',
      `Delivery ${publicId} is ${delivery.status}; only failed deliveries are retried.`,
    );
  }
  const round = delivery.round + 1;
  const updated = await c.webhookDeliveries.findOneAndUpdate(
    { _id: delivery._id, status: 'failed' },
    { $set: { status: 'pending', round, updated_at: new Date() } },
    { returnDocument: 'after' },
  );
  await workflows.start(delivery._id, round);
  return updated as WebhookDeliveryDoc;
}
