import type { ReconcileBatch, ReconcileBatchInput, ReconcileCounts } from '../contracts/reconciliation';
import type { RedriveBatch, RedriveBatchInput } from '../contracts/redrive';
import type { ReencryptionBatchInput, ReencryptionReport } from '../contracts/reencryption';
import type { PurgeBatchInput, PurgeBatchResult, RetentionPlanEntry } from '../contracts/retention';
import type { Collections } from '../db/mongo';
import { type Clock, systemClock } from '../messages/statusChanges';
import type { Metrics } from '../observability/metrics';
import { type ReconcileDeps, reconcileBatch } from '../operations/reconciliation';
import { findRedriveBatch } from '../operations/redrive';
import { finishReencryption, reencryptBatch } from '../privacy/reencryption';
import { purgeContentBatch, purgeMetadataBatch, retentionPlan } from '../privacy/retention';
import { ActionRefused, type MessageWorkflows } from '../temporal/messageWorkflows';
import { fanOutEvent, type WebhookWorkflows } from '../webhooks/fanOut';

/** Side effects of the operators' workflows (re-encryption, retention), bound to the database. */
export function createMaintenanceActivities(deps: {
  collections: Collections;
  messageWorkflows: MessageWorkflows;
  webhooks: WebhookWorkflows;
  metrics: Metrics;
  /** SENDFLOW_RETRY_SCHEDULE: the ladder of projects without their own policy. */
  defaultRetryScheduleMs: number[];
  clock?: Clock;
}) {
  const c = deps.collections;
  const clock = deps.clock ?? systemClock;
  const reconcileDeps: ReconcileDeps = {
    collections: c,
    workflows: deps.messageWorkflows,
    clock,
    defaultRetryScheduleMs: deps.defaultRetryScheduleMs,
    async publish(event) {
      await fanOutEvent(c, deps.webhooks, event);
      if (event.status) deps.metrics.messageFinal(event.status, undefined, event.recipient ?? '');
    },
  };
  return {
    async reconcileBatch(input: ReconcileBatchInput): Promise<ReconcileBatch> {
      return reconcileBatch(reconcileDeps, input);
    },
    async recordReconciliation(counts: ReconcileCounts): Promise<void> {
      deps.metrics.reconciled(counts);
    },
    async findRedriveBatch(input: RedriveBatchInput): Promise<RedriveBatch> {
      return findRedriveBatch(c, input);
    },
    /** The message workflow's own retry; false when it refuses (sending now, or ended). */
    async retryNow(input: { workflowId: string }): Promise<boolean> {
      try {
        await deps.messageWorkflows.retryNow(input.workflowId);
        return true;
      } catch (err) {
        if (err instanceof ActionRefused) return false;
        throw err;
      }
    },
    async retentionPlan(): Promise<RetentionPlanEntry[]> {
      return retentionPlan(c, clock.now());
    },
    async purgeContentBatch(input: PurgeBatchInput): Promise<PurgeBatchResult> {
      return purgeContentBatch(
        c,
        {
          projectId: input.projectId,
          before: new Date(input.before),
          limit: input.limit,
          cursor: input.cursor,
        },
        clock.now(),
      );
    },
    async purgeMetadataBatch(input: PurgeBatchInput): Promise<PurgeBatchResult> {
      return purgeMetadataBatch(c, {
        projectId: input.projectId,
        before: new Date(input.before),
        limit: input.limit,
        cursor: input.cursor,
      });
    },
    async reencryptBatch(input: ReencryptionBatchInput) {
      return reencryptBatch(c, input.target, input.after, input.limit);
    },
    async finishReencryption(rewritten: ReencryptionReport['rewritten']): Promise<ReencryptionReport> {
      return finishReencryption(c, rewritten);
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
