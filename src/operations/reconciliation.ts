import type { Filter } from 'mongodb';
import type { ReconcileBatch, ReconcileBatchInput, ReconcileCounts } from '../contracts/reconciliation';
import { FINAL_STATUSES, type MessageStatus } from '../contracts/statuses';
import type { EventDoc, MessageDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { type EffectivePolicy, effectivePolicy } from '../delivery/deliveryPolicy';
import { workflowStartOf } from '../messages/deliveryStart';
import { openedContent } from '../messages/messageContent';
import { type Clock, writeStatus } from '../messages/statusChanges';
import { ActionRefused, type MessageWorkflows, type WorkflowState } from '../temporal/messageWorkflows';

/** A lost delivery is started again at most this often; then it ends `failed` (`workflow_lost`). */
export const MAX_RESTARTS = 3;

/** How long the reconciler waits for a running workflow to answer its retry. */
const PUSH_WAIT_MS = 10_000;

export type ReconcileAction =
  | { kind: 'none' }
  | { kind: 'push'; reason: string }
  | { kind: 'restart'; reason: string; afterAttempt: number }
  | { kind: 'finish'; status: MessageStatus; reason: string };

type Facts = Pick<
  MessageDoc,
  'status' | 'attempts' | 'sending_attempt' | 'next_attempt_at' | 'scheduled_time' | 'restarts'
>;

/**
 * The reconciler's rule for a message that is not final (README "Never stuck"):
 * - its workflow runs: nothing, unless its wait is overdue by the margin (a deferred or unknown
 *   message past `next_attempt_at`, a scheduled one past its time): then it is asked to attempt now;
 * - its workflow was terminated: an operator stopped it, so the message ends `failed`
 *   (`workflow_terminated`); cancelled by Temporal: `cancelled`; completed: the status it returned;
 * - its workflow failed, timed out or is gone (a new Temporal server, retention): delivery
 *   starts again after the attempts already made, unless no rung is left (`failed`,
 *   `retries_exhausted`) or it was restarted MAX_RESTARTS times already (`failed`, `workflow_lost`).
 */
export function reconcileRule(
  m: Facts,
  wf: WorkflowState,
  now: Date,
  marginMs: number,
  rungs: number,
): ReconcileAction {
  switch (wf.state) {
    case 'running': {
      const due =
        m.status === 'scheduled'
          ? m.scheduled_time
          : m.status === 'deferred' || m.status === 'unknown'
            ? m.next_attempt_at
            : undefined;
      if (due && due.getTime() < now.getTime() - marginMs)
        return { kind: 'push', reason: `reconciler: next attempt overdue since ${due.toISOString()}` };
      return { kind: 'none' };
    }
    case 'completed':
      return FINAL_STATUSES.includes(wf.result)
        ? { kind: 'finish', status: wf.result, reason: 'workflow_completed' }
        : { kind: 'finish', status: 'failed', reason: 'workflow_completed' };
    case 'cancelled':
      return { kind: 'finish', status: 'cancelled', reason: 'workflow_cancelled' };
    case 'terminated':
      return { kind: 'finish', status: 'failed', reason: 'workflow_terminated' };
    default: {
      const afterAttempt = Math.max(m.attempts, m.sending_attempt ?? 0);
      if ((m.restarts ?? 0) >= MAX_RESTARTS)
        return { kind: 'finish', status: 'failed', reason: 'workflow_lost' };
      if (afterAttempt > rungs) return { kind: 'finish', status: 'failed', reason: 'retries_exhausted' };
      return { kind: 'restart', reason: `reconciler: workflow ${wf.state.replace('_', ' ')}`, afterAttempt };
    }
  }
}

export interface ReconcileDeps {
  collections: Collections;
  workflows: MessageWorkflows;
  clock: Clock;
  defaultRetryScheduleMs: number[];
  /** Hands a recorded final event to webhooks (and the metric), as the workflow would. */
  publish(event: EventDoc): Promise<void>;
}

/**
 * Unfinished messages nobody touched for the margin, oldest change first: the only ones the
 * reconciler asks Temporal about. One status at a time, walked by (updated_at, id).
 */
async function quietMessages(
  c: Collections,
  input: ReconcileBatchInput,
  cutoff: Date,
): Promise<MessageDoc[]> {
  const { status, at, id } = input.position;
  const query: Filter<MessageDoc> = {
    status,
    updated_at: { $lt: cutoff },
    ...(at
      ? { $or: [{ updated_at: { $gt: new Date(at) } }, { updated_at: new Date(at), _id: { $gt: id } }] }
      : {}),
  };
  return c.messages
    .find(query)
    .sort({ updated_at: 1, _id: 1 })
    .hint(INDEX.messagesQuiet)
    .limit(input.limit)
    .toArray();
}

/** One batch of the reconciliation: looks each message's workflow up and applies the rule. */
export async function reconcileBatch(
  deps: ReconcileDeps,
  input: ReconcileBatchInput,
): Promise<ReconcileBatch> {
  const now = deps.clock.now();
  const rows = await quietMessages(deps.collections, input, new Date(now.getTime() - input.marginMs));
  const counts: ReconcileCounts = { checked: rows.length, pushed: 0, restarted: 0, finished: 0, stuck: 0 };
  // One policy read per project in the batch, not one per message.
  const policies = new Map<string, Promise<EffectivePolicy>>();
  const policyOf = (projectId: string) => {
    let policy = policies.get(projectId);
    if (!policy) {
      policy = effectivePolicy(deps.collections, projectId, deps.defaultRetryScheduleMs);
      policies.set(projectId, policy);
    }
    return policy;
  };
  // A few lookups at once: each is one round trip to Temporal.
  for (let i = 0; i < rows.length; i += 8)
    await Promise.all(
      rows
        .slice(i, i + 8)
        .map(async (m) =>
          reconcileMessage(deps, m, await policyOf(m.project_id), now, input.marginMs, counts),
        ),
    );
  const last = rows[rows.length - 1];
  return {
    counts,
    ...(rows.length === input.limit
      ? { next: { status: input.position.status, at: last.updated_at.toISOString(), id: last._id } }
      : {}),
  };
}

async function reconcileMessage(
  deps: ReconcileDeps,
  m: MessageDoc,
  policy: EffectivePolicy,
  now: Date,
  marginMs: number,
  counts: ReconcileCounts,
): Promise<void> {
  const c = deps.collections;
  const action = reconcileRule(
    m,
    await deps.workflows.describe(m.workflow_id),
    now,
    marginMs,
    policy.retryScheduleMs.length,
  );
  if (action.kind === 'push') {
    try {
      await deps.workflows.retryNow(m.workflow_id, { reason: action.reason, waitMs: PUSH_WAIT_MS });
      counts.pushed++;
    } catch (err) {
      // Refused: it is sending right now, or has just ended; neither is stuck.
      if (err instanceof ActionRefused) return;
      // Running but not answering: no worker takes its tasks, or they fail (a bad deploy).
      counts.stuck++;
    }
    return;
  }
  if (action.kind === 'restart') {
    // Only if nothing moved it since it was read (a late bounce, a workflow that woke up).
    const claimed = await c.messages.findOneAndUpdate(
      { _id: m._id, status: m.status, updated_at: m.updated_at },
      { $inc: { restarts: 1 } },
      { returnDocument: 'after' },
    );
    if (!claimed) return;
    const opened = openedContent(c, claimed);
    // A scheduled time still ahead is kept; otherwise the next attempt is made at once.
    const scheduledAhead = m.status === 'scheduled' && m.scheduled_time && m.scheduled_time > now;
    const start = workflowStartOf(
      scheduledAhead ? opened : { ...opened, scheduled_time: undefined },
      policy.retryScheduleMs,
      { afterAttempt: action.afterAttempt, reason: action.reason },
    );
    await deps.workflows.start(start);
    counts.restarted++;
    return;
  }
  if (action.kind === 'finish') {
    const still = await c.messages.findOne(
      { _id: m._id, status: m.status, updated_at: m.updated_at },
      { projection: { _id: 1 } },
    );
    if (!still) return;
    const event = await writeStatus(c, deps.clock, {
      messageId: m._id,
      projectId: m.project_id,
      recipient: m.recipient,
      status: action.status,
      attempt: m.attempts,
      reason: action.reason,
    });
    await deps.publish(event);
    counts.finished++;
  }
}
