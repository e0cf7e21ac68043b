import { Context } from '@temporalio/activity';
import type { Collections } from '../db/mongo';
import { enforceReputation } from '../delivery/reputationGuard';
import type { MessageType } from '../domain/statuses';
import { fanOutEvent, type WebhookWorkflows } from '../webhooks/fanOut';
import { type Clock, recordStatusChange, type StatusChange, systemClock } from './messageStore';
import { acquireSendSlot, releaseSendSlot, type SlotGrant } from './pacing';
import { sendOnce } from './sendAttempt';
import type { SmtpOutcome } from './smtpOutcome';
import type { TransportProvider } from './smtpTransport';
import { addSuppression, findBlockingSuppression, type SuppressionVerdict } from './suppression';
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
    async checkSuppression(input: { messageId: string }): Promise<SuppressionVerdict> {
      const m = await c.messages.findOne(
        { _id: input.messageId },
        { projection: { project_id: 1, recipient: 1, message_type: 1 } },
      );
      if (!m) throw new Error(`message ${input.messageId} not found`);
      return findBlockingSuppression(c, m.project_id, m.recipient, m.message_type as MessageType);
    },
    async suppressRecipient(input: {
      messageId: string;
      reason: 'hard_bounce' | 'complaint';
    }): Promise<void> {
      const m = await c.messages.findOne(
        { _id: input.messageId },
        { projection: { project_id: 1, recipient: 1 } },
      );
      if (!m) throw new Error(`message ${input.messageId} not found`);
      await addSuppression(c, clock, {
        projectId: m.project_id,
        recipient: m.recipient,
        reason: input.reason,
        sourceMessageId: m._id,
      });
    },
    async acquireSendSlot(input: { messageId: string; holder: string }): Promise<SlotGrant> {
      const m = await c.messages.findOne(
        { _id: input.messageId },
        { projection: { project_id: 1, recipient_domain: 1 } },
      );
      if (!m) throw new Error(`message ${input.messageId} not found`);
      const policy = await c.deliveryPolicies.findOne({ _id: m.project_id }, { projection: { pacing: 1 } });
      const limit = policy?.pacing?.find((p) => p.domain === m.recipient_domain);
      if (!limit) return { granted: true };
      return acquireSendSlot(c, clock, {
        projectId: m.project_id,
        domain: m.recipient_domain,
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
