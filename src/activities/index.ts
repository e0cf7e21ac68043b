import { trace } from '@opentelemetry/api';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MessageRef } from '../contracts/deliveryInput';
import { ACTION_REFUSED } from '../contracts/messageActions';
import { eventTypeFor, FINAL_STATUSES, type MessageStatus } from '../contracts/statuses';
import type { EventDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { acquireSendSlot, findPacingLimit, releaseSendSlot, type SlotGrant } from '../delivery/pacing';
import { PermanentDeliveryError } from '../delivery/permanentFailure';
import { enforceReputation } from '../delivery/reputationGuard';
import { overrideRoute, UnknownRouteError } from '../delivery/routeOverride';
import { type AttemptResult, type SendDeps, sendAttempt } from '../delivery/sendAttempt';
import type { TransportProvider } from '../delivery/smtpTransport';
import { type Clock, type StatusChange, systemClock, writeStatus } from '../messages/statusChanges';
import type { Metrics } from '../observability/metrics';
import { addSuppression, findBlockingSuppression, type SendCheck } from '../suppressions/suppressionList';
import { fanOutEvent, hasSubscriber, type WebhookWorkflows } from '../webhooks/fanOut';
import {
  attemptWebhookDelivery,
  markWebhookDeliveryFailed,
  type WebhookAttemptResult,
} from '../webhooks/webhookDelivery';

export interface ActivityDeps {
  collections: Collections;
  transports: TransportProvider;
  /** `mx`, or the relay URL messages matching no route use. */
  defaultRoute: string;
  /** IP pools by name (SENDFLOW_IP_POOLS). */
  ipPools: SendDeps['ipPools'];
  bounceDomain?: string;
  /** Resolver, MX port and EHLO name of direct delivery. */
  direct: SendDeps['direct'];
  webhooks: WebhookWorkflows;
  allowPrivateWebhooks: boolean;
  /** Operator setting: projects' relay routes may reach internal addresses. */
  allowPrivateRoutes?: boolean;
  clock?: Clock;
  metrics: Metrics;
}

/** Every side effect of the delivery workflow, bound to injected connections. */
export function createActivities(deps: ActivityDeps) {
  const c = deps.collections;
  const clock = deps.clock ?? systemClock;
  /** Hands a recorded event to webhooks; a bounce also re-checks the project's reputation. */
  const publish = async (event: EventDoc): Promise<void> => {
    await fanOutEvent(c, deps.webhooks, event);
    if (event.status === 'bounced') await enforceReputation(c, deps.webhooks, event.project_id, clock.now());
  };
  return {
    /** Workflows before the `events-published-by-activity` patch: write and publish in one step. */
    async recordStatus(change: StatusChange): Promise<void> {
      await publish(await writeStatus(c, clock, change));
      deps.metrics.messageFinal(change.status, change.smtp?.route, change.recipient);
    },
    /**
     * Moves the message to its new status and appends its event; says whether the event has
     * anything to publish, so most statuses of a project without webhooks need no second step.
     */
    async writeStatus(change: StatusChange): Promise<{ eventId: string; publish: boolean }> {
      // A bounce is always published (the reputation guard); for the rest, the subscriber
      // lookup runs beside the writes and adds no round trip to the step.
      const [event, publish] = await Promise.all([
        writeStatus(c, clock, change),
        change.status === 'bounced' || hasSubscriber(c, change.projectId, eventTypeFor(change.status)),
      ]);
      deps.metrics.messageFinal(change.status, change.smtp?.route, change.recipient);
      return { eventId: event._id, publish };
    },
    /** Webhook fan-out (starts workflows) and the reputation guard (reads the hourly counts). */
    async publishEvent(input: { eventId: string }): Promise<void> {
      const event = await c.events.findOne({ _id: input.eventId });
      if (event) await publish(event);
    },
    async attemptWebhook(input: {
      deliveryId: string;
      nextAttemptAt?: string;
      at?: string;
    }): Promise<WebhookAttemptResult> {
      const result = await attemptWebhookDelivery(c, clock, deps.webhooks, deps.allowPrivateWebhooks, input);
      deps.metrics.webhookAttempt(result);
      return result;
    },
    async markWebhookFailed(input: { deliveryId: string }): Promise<void> {
      await markWebhookDeliveryFailed(c, clock, input.deliveryId);
    },
    /**
     * Whether acceptance stored the message; its final status when it already ended, so a
     * re-run of its workflow (Reset, "start like this one") stops before doing anything.
     */
    async messageStored(input: { messageId: string }): Promise<boolean | MessageStatus> {
      const m = await c.messages.findOne({ _id: input.messageId }, { projection: { status: 1 } });
      if (!m) return false;
      return FINAL_STATUSES.includes(m.status) ? m.status : true;
    },
    /** Whether this attempt got as far as beginning to send (its outcome is then unknown). */
    async attemptBegan(input: { messageId: string; attempt: number }): Promise<boolean> {
      const m = await c.messages.findOne({ _id: input.messageId }, { projection: { sending_attempt: 1 } });
      return m?.sending_attempt === input.attempt;
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
    /** The reroute Update: validated here, so an unknown route refuses the Update. */
    async setRouteOverride(input: { messageId: string; projectId: string; route: string }): Promise<void> {
      try {
        await overrideRoute(c, input.projectId, input.messageId, input.route);
      } catch (err) {
        if (err instanceof UnknownRouteError)
          throw ApplicationFailure.nonRetryable(err.message, ACTION_REFUSED.unknownRoute);
        throw err;
      }
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
    /**
     * Takes a send slot or fails with a benign, retryable failure that names the wait: Temporal
     * retries it after that delay, and a retry adds nothing to the workflow's history however
     * long the message waits.
     */
    async takeSendSlot(
      input: Pick<MessageRef, 'projectId' | 'recipientDomain'> & { holder: string },
    ): Promise<{ slotId?: string }> {
      const limit = await findPacingLimit(c, input.projectId, input.recipientDomain);
      if (!limit) return {};
      const grant = await acquireSendSlot(c, clock, {
        projectId: input.projectId,
        domain: input.recipientDomain,
        holder: input.holder,
        limit,
      });
      if (grant.granted) return { slotId: grant.slotId };
      // Later tries wait longer (up to 2 s), so a long queue does not poll the database hot.
      const backoff = Math.min(2000, grant.waitMs * 1.5 ** (Context.current().info.attempt - 1));
      throw ApplicationFailure.create({
        message: `no send slot free for ${input.recipientDomain}`,
        type: 'SendSlotBusy',
        nextRetryDelay: Math.max(grant.waitMs, Math.round(backoff)),
        category: 'BENIGN',
      });
    },
    async releaseSendSlot(input: { slotId: string; holder: string }): Promise<void> {
      await releaseSendSlot(c, input.slotId, input.holder);
    },
    async sendAttempt(input: { messageId: string; attempt: number }): Promise<AttemptResult> {
      // Heartbeats let Temporal notice a dead worker within the heartbeat timeout instead of
      // waiting out the whole start-to-close timeout.
      const beat = setInterval(() => Context.current().heartbeat(), 2000);
      const started = performance.now();
      let result = 'error';
      try {
        const outcome = await sendAttempt(
          {
            collections: c,
            transports: deps.transports,
            defaultRoute: deps.defaultRoute,
            ipPools: deps.ipPools,
            bounceDomain: deps.bounceDomain,
            direct: deps.direct,
            routesAllowPrivate: deps.allowPrivateRoutes,
          },
          input.messageId,
          input.attempt,
        );
        result = outcome.kind;
        describeAttemptSpan(input, outcome);
        return outcome;
      } catch (err) {
        // Typed so the workflow fails the message instead of riding the retry ladder.
        if (err instanceof PermanentDeliveryError) {
          result = 'failed';
          throw ApplicationFailure.nonRetryable(err.message, err.reason);
        }
        throw err;
      } finally {
        clearInterval(beat);
        deps.metrics.sendAttempt(result, (performance.now() - started) / 1000);
      }
    },
  };
}

/** The SMTP answer on the attempt's span (the OpenTelemetry activity interceptor's): the end of a send's trace. */
function describeAttemptSpan(input: { messageId: string; attempt: number }, outcome: AttemptResult): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttributes({
    'sendflow.message_id': input.messageId,
    'sendflow.attempt': input.attempt,
    'sendflow.outcome': outcome.kind,
  });
  if (outcome.kind === 'ended') return;
  const { smtp } = outcome;
  span.setAttributes({
    ...(smtp.route ? { 'sendflow.route': smtp.route } : {}),
    ...(smtp.code !== undefined ? { 'smtp.response.code': smtp.code } : {}),
    ...(smtp.enhanced_code ? { 'smtp.response.enhanced_code': smtp.enhanced_code } : {}),
    ...(smtp.response ? { 'smtp.response.text': smtp.response.slice(0, 300) } : {}),
    ...(smtp.remote_mta ? { 'smtp.remote_mta': smtp.remote_mta } : {}),
  });
}

export type Activities = ReturnType<typeof createActivities>;
