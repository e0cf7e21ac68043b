import type { ReencryptionBatchInput, ReencryptionReport } from '../contracts/reencryption';
import type { PurgeBatchInput, PurgeBatchResult, RetentionPlanEntry } from '../contracts/retention';
import type { Collections } from '../db/mongo';
import { type Clock, systemClock } from '../messages/statusChanges';
import { finishReencryption, reencryptBatch } from '../privacy/reencryption';
import { purgeContentBatch, purgeMetadataBatch, retentionPlan } from '../privacy/retention';

/** Side effects of the operators' workflows (re-encryption, retention), bound to the database. */
export function createMaintenanceActivities(deps: { collections: Collections; clock?: Clock }) {
  const c = deps.collections;
  const clock = deps.clock ?? systemClock;
  return {
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
