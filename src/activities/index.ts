import { Context } from '@temporalio/activity';
import type { Collections } from '../db/mongo';
import { enforceReputation } from '../delivery/reputationGuard';
import type { MessageRef } from '../domain/deliveryInput';
import { fanOutEvent, type WebhookWorkflows } from '../webhooks/fanOut';
import { type Clock, recordStatusChange, type StatusChange, systemClock } from './messageStore';
import { acquireSendSlot, findPacingLimit, releaseSendSlot, type SlotGrant } from './pacing';
import { sendOnce } from './sendAttempt';
import type { SmtpOutcome } from './smtpOutcome';
import type { TransportProvider } from './smtpTransport';
import { addSuppression, findBlockingSuppression, type SendCheck } from './suppression';
import {
  attemptWebhookDelivery,
  markWebhookDeliveryFailed,
  type WebhookAttemptResult,
} from './webhookDelivery';

export interface ActivityDeps {
  collections: Collections;
  transports: TransportProvider;
  smtpUrl: string;
  webhooks: WebhookWorkflows;
  allowPrivateWebhooks: boolean;
  clock?: Clock;
}

/** Every side effect of the delivery workflow, bound to injected connections. */
export function createActivities(deps: ActivityDeps) {
  const c = deps.collections;
  const clock = deps.clock ?? systemClock;
  return {
    async recordStatus(change: StatusChange): Promise<void> {
      const event = await recordStatusChange(c, clock, change);
      await fanOutEvent(c, deps.webhooks, event);
      if (change.status === 'bounced')
        await enforceReputation(c, deps.webhooks, event.project_id, clock.now());
    },
    async attemptWebhook(input: {
      deliveryId: string;
      nextAttemptAt?: string;
      at?: string;
    }): Promise<WebhookAttemptResult> {
      return attemptWebhookDelivery(c, clock, deps.webhooks, deps.allowPrivateWebhooks, input);
    },
    async markWebhookFailed(input: { deliveryId: string }): Promise<void> {
      await markWebhookDeliveryFailed(c, clock, input.deliveryId);
    },
    /** Whether the recipient is suppressed, and whether sends to its domain are paced. */
    async checkBeforeSend(
      input: Pick<MessageRef, 'projectId' | 'recipient' | 'messageType' | 'recipientDomain'>,
    ): Promise<SendCheck> {
      const [verdict, limit] = await Promise.all([
        findBlockingSuppression(c, input.projectId, input.recipient, input.messageType),
        findPacingLimit(c, input.projectId, input.recipientDomain),
      ]);
      if (verdict.suppressed) return verdict;
      return { suppressed: false, paced: limit !== undefined };
    },
    async suppressRecipient(
      input: Pick<MessageRef, 'messageId' | 'projectId' | 'recipient'> & {
        reason: 'hard_bounce' | 'complaint';
      },
    ): Promise<void> {
      await addSuppression(c, clock, {
        projectId: input.projectId,
        recipient: input.recipient,
        reason: input.reason,
        sourceMessageId: input.messageId,
      });
    },
    async acquireSendSlot(
      input: Pick<MessageRef, 'projectId' | 'recipientDomain'> & { holder: string },
    ): Promise<SlotGrant> {
      // Read again on every try: a rule removed while a message waits frees it.
      const limit = await findPacingLimit(c, input.projectId, input.recipientDomain);
      if (!limit) return { granted: true };
      return acquireSendSlot(c, clock, {
        projectId: input.projectId,
        domain: input.recipientDomain,
        holder: input.holder,
        limit,
      });
    },
    async releaseSendSlot(input: { slotId: string; holder: string }): Promise<void> {
      await releaseSendSlot(c, input.slotId, input.holder);
    },
    async sendAttempt(input: { messageId: string; attempt: number }): Promise<SmtpOutcome> {
      // Heartbeats let Temporal notice a dead worker within the heartbeat timeout instead of
      // waiting out the whole start-to-close timeout.
      const beat = setInterval(() => Context.current().heartbeat(), 2000);
      try {
        return await sendOnce(c, deps.transports, deps.smtpUrl, input.messageId, input.attempt);
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
