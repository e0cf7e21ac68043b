import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  defineUpdate,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ACCEPTANCE_WITHDRAWN, MESSAGE_STORE_WAIT_MS } from '../contracts/acceptance';
import { softBounceReason } from '../contracts/bounceReasons';
import type { DeliverMessageInput, MessageRef } from '../contracts/deliveryInput';
import {
  ACTION_REFUSED,
  type CancelAnswer,
  MESSAGE_UPDATES,
  type MessagePhase,
  type RerouteAnswer,
  type RetryNowAnswer,
  type RetryNowRequest,
} from '../contracts/messageActions';
import { SA_STATUS } from '../contracts/searchAttributes';
import type { MessageStatus } from '../contracts/statuses';
import type { SmtpResult } from '../db/documents';
import type { AttemptResult } from '../delivery/sendAttempt';
import type { StatusChange } from '../messages/statusChanges';

/**
 * Patches, one per incompatible change since the first recorded shape (deliver-v1). Histories
 * without a patch's marker replay the old branch; see "Changing a workflow" in the README.
 */
export const PATCHES = {
  /** Status written by a local activity, webhooks and the reputation guard by a normal one. */
  publishByActivity: 'events-published-by-activity',
  /** A send slot awaited through activity retries: history stays constant while it waits. */
  slotByActivityRetry: 'pacing-slot-by-activity-retry',
  /** A non-retryable activity failure ends the message `failed` instead of deferring it. */
  permanentFailures: 'permanent-failures-end-failed',
  /** Acceptance starts the workflow before storing the message: wait for it, or end alone. */
  awaitStored: 'await-message-stored',
  /** An attempt cut off after it began sending is recorded `unknown`, not `deferred`. */
  unknownOutcome: 'lost-attempt-outcome-unknown',
  /** Waits end early on an operator's retry (Updates: retryNow, reroute, cancel). */
  operatorActions: 'operator-actions',
} as const;

/**
 * Ends the wait for the next attempt (or for the scheduled time) and attempts now. With a
 * reason (the reconciler's), the timeline records why before the attempt.
 */
export const retryNowUpdate = defineUpdate<RetryNowAnswer, [RetryNowRequest]>(MESSAGE_UPDATES.retryNow);
/** Sends the next attempts through another of the project's routes. */
export const rerouteUpdate = defineUpdate<RerouteAnswer, [{ route: string }]>(MESSAGE_UPDATES.reroute);
/** Cancels, answering the decision: at once unless an attempt is under way. */
export const cancelUpdate = defineUpdate<CancelAnswer>(MESSAGE_UPDATES.cancel);

/** What the operators' actions read and change. */
interface ActionState {
  phase: MessagePhase;
  /** The last attempt begun. */
  attempt: number;
  final?: MessageStatus;
  /** Set by retryNow: the current wait ends. */
  wake: boolean;
  /** Why, when the retry came with a reason to record. */
  wakeReason?: string;
  /** Known once past acceptance: workflows recorded before the actions cannot be woken. */
  actions: boolean;
  /** Cancelled by the cancel Update rather than by a Temporal cancellation request. */
  cancelledByUpdate: boolean;
}

const refuse = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

function refuseWhenFinal(state: ActionState): void {
  if (state.phase === 'final')
    throw refuse(`The message already ended as ${state.final}.`, ACTION_REFUSED.final);
  if (state.phase === 'storing')
    throw refuse('The message is still being accepted.', ACTION_REFUSED.notWaiting);
}

/** The actions' handlers; each is validated first, so a refused one leaves no trace in history. */
function handleActions(ref: MessageRef, state: ActionState, main: CancellationScope): void {
  setHandler(
    retryNowUpdate,
    // Updates recorded before reasons existed carry no argument.
    (request?: RetryNowRequest) => {
      state.wake = true;
      state.wakeReason = request?.reason;
      return { attempt: state.attempt + 1 };
    },
    {
      validator: (_request?: RetryNowRequest) => {
        refuseWhenFinal(state);
        if (!state.actions)
          throw refuse(
            'This message was accepted before retries on request existed.',
            ACTION_REFUSED.unsupported,
          );
        if (state.phase !== 'waiting' && state.phase !== 'scheduled')
          throw refuse(
            'The message is being sent; only a message waiting for its next attempt (or its scheduled time) can be retried now.',
            ACTION_REFUSED.notWaiting,
          );
      },
    },
  );
  setHandler(
    rerouteUpdate,
    async ({ route }) => {
      await store.setRouteOverride({ messageId: ref.messageId, projectId: ref.projectId, route });
      return { route };
    },
    { validator: (_request: { route: string }) => refuseWhenFinal(state) },
  );
  setHandler(
    cancelUpdate,
    async (): Promise<CancelAnswer> => {
      state.cancelledByUpdate = true;
      main.cancel();
      // A send under way is never interrupted: the cancel lands after it, unless it delivers.
      if (state.phase === 'sending') return 'cancel_requested';
      await condition(() => state.phase === 'final');
      return state.final === 'cancelled' ? 'cancelled' : 'cancel_requested';
    },
    { validator: () => refuseWhenFinal(state) },
  );
}

// Short, idempotent MongoDB steps run as local activities: fewer round trips to the server.
const store = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m', backoffCoefficient: 2 },
});

// Steps that may take long (starting webhook workflows, counting the event log) are normal
// activities: a slow one never holds up a workflow task.
const events = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '1m', backoffCoefficient: 2 },
});

// Retried without limit until a slot is free; each refusal names the wait (nextRetryDelay).
const pacer = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '2s', backoffCoefficient: 1.5 },
});

// One SMTP attempt per activity call: the ladder below owns retries, so each shows in history.
const smtp = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

type Change = Omit<StatusChange, 'messageId' | 'projectId' | 'recipient'>;

/**
 * One attempt's outcome: what the SMTP server said, a failure no attempt can fix, or nothing
 * known (the worker was lost after the attempt began: the receiver may have the mail).
 */
type AttemptOutcome =
  | AttemptResult
  | { kind: 'failed'; reason: string }
  | { kind: 'unknown'; smtp: SmtpResult };

/** Records a status change: the message, its timeline event, webhooks and search attribute. */
async function writeStatus(ref: MessageRef, change: Change): Promise<void> {
  const { messageId, projectId, recipient } = ref;
  // Workflow time: deterministic, and the real decision time (also under time-skipping tests).
  const full = { ...change, messageId, projectId, recipient, at: change.at ?? new Date().toISOString() };
  if (patched(PATCHES.publishByActivity)) {
    const { eventId, publish } = await store.writeStatus(full);
    if (publish) await events.publishEvent({ eventId });
  } else {
    await store.recordStatus(full);
  }
  // The status the workflow started with is already its search attribute.
  if (!change.statusStored) upsertSearchAttributes([{ key: SA_STATUS, value: change.status }]);
  // Shown on the workflow's page in the Temporal UI (metadata, not a command).
  setCurrentDetails(
    `**Status** ${change.status}${change.attempt ? ` after attempt ${change.attempt}` : ''}${change.nextAttemptAt ? ` · next attempt ${change.nextAttemptAt}` : ''}${change.reason ? ` · ${change.reason}` : ''}`,
  );
}

async function trySendAttempt(messageId: string, attempt: number): Promise<AttemptOutcome> {
  try {
    return await smtp.sendAttempt({ messageId, attempt });
  } catch (err) {
    if (err instanceof ActivityFailure) {
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.nonRetryable && patched(PATCHES.permanentFailures))
        return { kind: 'failed', reason: cause.type ?? 'internal_error' };
      if (
        cause instanceof TimeoutFailure &&
        patched(PATCHES.unknownOutcome) &&
        (await store.attemptBegan({ messageId, attempt }))
      )
        return {
          kind: 'unknown',
          smtp: { response: `the attempt was cut off after it began sending (${cause.message})` },
        };
      // The worker died, the activity timed out or hit a transient error: try again later.
      return {
        kind: 'deferred',
        smtp: { response: `attempt did not complete: ${err.cause?.message ?? err.message}` },
      };
    }
    throw err;
  }
}

/** Destination pacing: sleeps durably until the recipient domain has capacity for one more send. */
async function waitForSendSlot(ref: MessageRef, holder: string): Promise<string | undefined> {
  const { projectId, recipientDomain } = ref;
  if (patched(PATCHES.slotByActivityRetry))
    return (await pacer.takeSendSlot({ projectId, recipientDomain, holder })).slotId;
  for (;;) {
    const grant = await store.acquireSendSlot({
      projectId: ref.projectId,
      recipientDomain: ref.recipientDomain,
      holder,
    });
    if (grant.granted) return grant.slotId;
    await sleep(grant.waitMs);
  }
}

/** One attempt and its recorded outcome; returns the final status, or nothing when deferred. */
async function sendAttemptAndRecord(
  input: DeliverMessageInput,
  attempt: number,
  accepted?: Promise<void>,
): Promise<MessageStatus | undefined> {
  const { messageId } = input;
  const outcome = await trySendAttempt(messageId, attempt);
  // The `accepted` event, written while the attempt ran, comes first in the timeline.
  await accepted;
  // Ended meanwhile (a late bounce, or this is a re-run): nothing is sent or written.
  if (outcome.kind === 'ended') return outcome.status;
  if (outcome.kind === 'failed') {
    await writeStatus(input, { status: 'failed', attempt, reason: outcome.reason });
    return 'failed';
  }
  if (outcome.kind === 'delivered') {
    await writeStatus(input, { status: 'delivered', attempt, smtp: outcome.smtp });
    return 'delivered';
  }
  if (outcome.kind === 'bounced') {
    await store.suppressRecipient({
      messageId,
      projectId: input.projectId,
      recipient: input.recipient,
      reason: 'hard_bounce',
    });
    await writeStatus(input, { status: 'bounced', attempt, smtp: outcome.smtp, bounceType: 'hard' });
    return 'bounced';
  }
  const delay = input.retryScheduleMs[attempt - 1];
  if (outcome.kind === 'unknown') {
    // Sent again (same Message-ID, which receivers deduplicate by): a possible duplicate is
    // better than a lost code, and the timeline says which attempt might have arrived.
    if (delay === undefined) {
      await writeStatus(input, { status: 'failed', attempt, smtp: outcome.smtp, reason: 'outcome_unknown' });
      return 'failed';
    }
    const nextAttemptAt = new Date(Date.now() + delay).toISOString();
    await writeStatus(input, {
      status: 'unknown',
      attempt,
      smtp: outcome.smtp,
      reason: 'outcome_unknown',
      nextAttemptAt,
    });
    return undefined;
  }
  if (delay === undefined) {
    const reason = softBounceReason(outcome.smtp);
    await writeStatus(input, { status: 'bounced', attempt, smtp: outcome.smtp, bounceType: 'soft', reason });
    return 'bounced';
  }
  const nextAttemptAt = new Date(Date.now() + delay).toISOString();
  await writeStatus(input, { status: 'deferred', attempt, smtp: outcome.smtp, nextAttemptAt });
  return undefined;
}

/**
 * Acceptance stores the message after starting this workflow; a withdrawn one never appears.
 * Returns the message's final status when it already ended: this run is a re-run (a Reset to
 * the start, or "start like this one") and must not send it again.
 */
async function awaitMessageStored(messageId: string): Promise<MessageStatus | undefined> {
  const deadline = Date.now() + MESSAGE_STORE_WAIT_MS;
  for (let backoff = 50; ; backoff = Math.min(backoff * 2, 10_000)) {
    const stored = await store.messageStored({ messageId });
    if (typeof stored === 'string') return stored;
    if (stored) return undefined;
    if (Date.now() >= deadline)
      throw ApplicationFailure.nonRetryable(
        `message ${messageId} was never stored: its acceptance was withdrawn`,
        ACCEPTANCE_WITHDRAWN,
      );
    await sleep(backoff);
  }
}

/**
 * Sleeps `ms`, or less when an operator asks to retry now (workflows that can be woken);
 * returns the reason the retry came with, if any.
 */
async function waitUnlessWoken(state: ActionState, ms: number): Promise<string | undefined> {
  if (state.actions) await condition(() => state.wake, ms);
  else await sleep(ms);
  const reason = state.wakeReason;
  state.wake = false;
  state.wakeReason = undefined;
  return reason;
}

/** The delivery story of one message, from acceptance to a final status. */
export async function deliverMessage(input: DeliverMessageInput): Promise<MessageStatus> {
  const state: ActionState = {
    phase: 'storing',
    attempt: 0,
    wake: false,
    actions: false,
    cancelledByUpdate: false,
  };
  // The story runs in its own scope so that the cancel Update can cancel it as Temporal would.
  const main = new CancellationScope();
  handleActions(input, state, main);
  try {
    const status = await main.run(() => deliveryStory(input, state));
    state.final = status;
    return status;
  } catch (err) {
    if (!isCancellation(err)) throw err;
    state.final = 'cancelled';
    // Cancelled on request through the API: the workflow completes (a failed one could be
    // started again under its id); a cancellation from Temporal itself stays one.
    if (state.cancelledByUpdate) return 'cancelled';
    throw err;
  } finally {
    state.phase = 'final';
    // An Update still answering (cancel) finishes before the workflow does.
    await condition(allHandlersFinished);
  }
}

/** Workflow time: deterministic, and unique enough among one message's reconciliations. */
const restartOccurrence = () => `reconciled-${Date.now()}`;

async function deliveryStory(input: DeliverMessageInput, state: ActionState): Promise<MessageStatus> {
  const { messageId, resume } = input;
  if (patched(PATCHES.awaitStored)) {
    const ended = await awaitMessageStored(messageId);
    if (ended) return ended;
  }
  state.phase = 'sending';
  state.actions = patched(PATCHES.operatorActions);
  // Two timeline writes run alongside the next step instead of before it (an OTP leaves two
  // steps sooner); each is awaited before any later status is recorded.
  let firstEvent: Promise<void> | undefined;
  let accepted: Promise<void> | undefined;
  try {
    // The first timeline event is written here, not by the API: the accept path stays short.
    // A delivery the reconciler restarted records why, after the attempts already made.
    const first = input.scheduledTime ? 'scheduled' : 'queued';
    firstEvent = CancellationScope.nonCancellable(() =>
      writeStatus(
        input,
        resume
          ? {
              status: first,
              attempt: resume.afterAttempt,
              reason: resume.reason,
              occurrence: restartOccurrence(),
            }
          : { status: first, at: input.acceptedAt, statusStored: true },
      ),
    );
    if (input.scheduledTime) {
      await firstEvent;
      const wait = Date.parse(input.scheduledTime) - Date.now();
      state.phase = 'scheduled';
      const reason = wait > 0 ? await waitUnlessWoken(state, wait) : undefined;
      await writeStatus(input, { status: 'queued', ...(reason ? { reason } : {}) });
    }

    for (let attempt = (resume?.afterAttempt ?? 0) + 1; ; attempt++) {
      const { projectId, recipient, messageType, recipientDomain } = input;
      const [check] = await Promise.all([
        store.checkBeforeSend({ projectId, recipient, messageType, recipientDomain }),
        firstEvent,
      ]);
      if (check.suppressed) {
        await writeStatus(input, { status: 'suppressed', reason: check.reason });
        return 'suppressed';
      }
      if (attempt === 1)
        accepted = CancellationScope.nonCancellable(() => writeStatus(input, { status: 'accepted' }));

      const holder = `${messageId}:${attempt}`;
      const slot = check.paced ? await waitForSendSlot(input, holder) : undefined;
      // A send that has begun, and the recording of its outcome, is never interrupted: a
      // cancel lands before the attempt or during the wait for the next one.
      state.phase = 'sending';
      state.attempt = attempt;
      const final = await CancellationScope.nonCancellable(async () => {
        try {
          return await sendAttemptAndRecord(input, attempt, accepted);
        } finally {
          if (slot) await store.releaseSendSlot({ slotId: slot, holder });
        }
      });
      if (final) return final;
      state.phase = 'waiting';
      const reason = await waitUnlessWoken(state, input.retryScheduleMs[attempt - 1]);
      if (reason)
        await writeStatus(input, { status: 'queued', attempt, reason, occurrence: restartOccurrence() });
      state.phase = 'sending';
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await Promise.all([firstEvent, accepted]);
        await writeStatus(input, { status: 'cancelled' });
      });
    }
    throw err;
  }
}
