import type { ReencryptionBatchInput, ReencryptionReport } from '../contracts/reencryption';
import type { Collections } from '../db/mongo';
import { finishReencryption, reencryptBatch } from '../privacy/reencryption';

/** Side effects of the operators' workflows (re-encryption), bound to the database. */
export function createMaintenanceActivities(deps: { collections: Collections }) {
  const c = deps.collections;
  return {
    async reencryptBatch(input: ReencryptionBatchInput) {
      return reencryptBatch(c, input.target, input.after, input.limit);
    },
    async finishReencryption(rewritten: ReencryptionReport['rewritten']): Promise<ReencryptionReport> {
      return finishReencryption(c, rewritten);
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
