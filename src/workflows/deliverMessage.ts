import {
  ActivityFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StatusChange } from '../activities/messageStore';
import type { SmtpOutcome } from '../activities/smtpOutcome';
import type { DeliverMessageInput, MessageRef } from '../domain/deliveryInput';
import { SA_STATUS } from '../domain/searchAttributes';
import type { MessageStatus } from '../domain/statuses';

// Short, idempotent MongoDB steps run as local activities: fewer round trips to the server.
const store = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m', backoffCoefficient: 2 },
});

// One SMTP attempt per activity call: the ladder below owns retries, so each shows in history.
const smtp = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

type Change = Omit<StatusChange, 'messageId' | 'projectId' | 'recipient'>;

async function setStatus(ref: MessageRef, change: Change): Promise<void> {
  const { messageId, projectId, recipient } = ref;
  // Workflow time: deterministic, and the real decision time (also under time-skipping tests).
  await store.recordStatus({
    ...change,
    messageId,
    projectId,
    recipient,
    at: change.at ?? new Date().toISOString(),
  });
  // The status the workflow started with is already its search attribute.
  if (!change.statusStored) upsertSearchAttributes([{ key: SA_STATUS, value: change.status }]);
}

async function attemptOnce(messageId: string, attempt: number): Promise<SmtpOutcome> {
  try {
    return await smtp.sendAttempt({ messageId, attempt });
  } catch (err) {
    // The worker died or the activity timed out mid-send: treat it as a temporary failure.
    if (err instanceof ActivityFailure) {
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
async function attemptAndRecord(
  input: DeliverMessageInput,
  attempt: number,
  accepted?: Promise<void>,
): Promise<MessageStatus | undefined> {
  const { messageId } = input;
  const outcome = await attemptOnce(messageId, attempt);
  // The `accepted` event, written while the attempt ran, comes first in the timeline.
  await accepted;
  if (outcome.kind === 'delivered') {
    await setStatus(input, { status: 'delivered', attempt, smtp: outcome.smtp });
    return 'delivered';
  }
  if (outcome.kind === 'bounced') {
    await store.suppressRecipient({
      messageId,
      projectId: input.projectId,
      recipient: input.recipient,
      reason: 'hard_bounce',
    });
    await setStatus(input, { status: 'bounced', attempt, smtp: outcome.smtp, bounceType: 'hard' });
    return 'bounced';
  }
  const delay = input.retryScheduleMs[attempt - 1];
  if (delay === undefined) {
    const reason = 'retries_exhausted';
    await setStatus(input, { status: 'bounced', attempt, smtp: outcome.smtp, bounceType: 'soft', reason });
    return 'bounced';
  }
  const nextAttemptAt = new Date(Date.now() + delay).toISOString();
  await setStatus(input, { status: 'deferred', attempt, smtp: outcome.smtp, nextAttemptAt });
  return undefined;
}

/** The delivery story of one message, from acceptance to a final status. */
export async function deliverMessage(input: DeliverMessageInput): Promise<MessageStatus> {
  const { messageId } = input;
  // Two timeline writes run alongside the next step instead of before it (an OTP leaves two
  // steps sooner); each is awaited before any later status is recorded.
  let firstEvent: Promise<void> | undefined;
  let accepted: Promise<void> | undefined;
  try {
    // The first timeline event is written here, not by the API: the accept path stays short.
    const first = input.scheduledTime ? 'scheduled' : 'queued';
    firstEvent = CancellationScope.nonCancellable(() =>
      setStatus(input, { status: first, at: input.acceptedAt, statusStored: true }),
    );
    if (input.scheduledTime) {
      await firstEvent;
      const wait = Date.parse(input.scheduledTime) - Date.now();
      if (wait > 0) await sleep(wait);
      await setStatus(input, { status: 'queued' });
    }

    for (let attempt = 1; ; attempt++) {
      const { projectId, recipient, messageType, recipientDomain } = input;
      const [check] = await Promise.all([
        store.checkBeforeSend({ projectId, recipient, messageType, recipientDomain }),
        firstEvent,
      ]);
      if (check.suppressed) {
        await setStatus(input, { status: 'suppressed', reason: check.reason });
        return 'suppressed';
      }
      if (attempt === 1)
        accepted = CancellationScope.nonCancellable(() => setStatus(input, { status: 'accepted' }));

      const holder = `${messageId}:${attempt}`;
      const slot = check.paced ? await waitForSendSlot(input, holder) : undefined;
      // A send that has begun, and the recording of its outcome, is never interrupted: a
      // cancel lands before the attempt or during the wait for the next one.
      const final = await CancellationScope.nonCancellable(async () => {
        try {
          return await attemptAndRecord(input, attempt, accepted);
        } finally {
          if (slot) await store.releaseSendSlot({ slotId: slot, holder });
        }
      });
      if (final) return final;
      await sleep(input.retryScheduleMs[attempt - 1]);
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await Promise.all([firstEvent, accepted]);
        await setStatus(input, { status: 'cancelled' });
      });
    }
    throw err;
  }
}
