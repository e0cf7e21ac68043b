import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Waits after each failed attempt: 5 s … 8 h, more than 24 h in all (12 attempts). */
export const WEBHOOK_BACKOFF_MS = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800, 28_800].map(
  (s) => s * 1000,
);

const webhook = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '5s', maximumAttempts: 5 },
});

/** Delivers one event to one endpoint, independently of the message's own workflow. */
export async function deliverWebhook(input: { deliveryId: string }): Promise<'succeeded' | 'failed'> {
  for (let attempt = 0; ; attempt++) {
    const delay = WEBHOOK_BACKOFF_MS[attempt];
    const nextAttemptAt = delay === undefined ? undefined : new Date(Date.now() + delay).toISOString();
    const at = new Date().toISOString();
    const result = await webhook.attemptWebhook({ deliveryId: input.deliveryId, nextAttemptAt, at });
    if (result === 'succeeded') return 'succeeded';
    if (result === 'endpoint_gone' || delay === undefined) {
      await webhook.markWebhookFailed({ deliveryId: input.deliveryId });
      return 'failed';
    }
    await sleep(delay);
  }
}
