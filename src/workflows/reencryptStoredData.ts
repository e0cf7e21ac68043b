import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance';
import {
  REENCRYPTION_TARGETS,
  type ReencryptionProgress,
  type ReencryptionReport,
} from '../contracts/reencryption';

const maintenance = proxyActivities<MaintenanceActivities>({
  // One batch may rewrite a few large files chunk by chunk.
  startToCloseTimeout: '10m',
  retry: { initialInterval: '5s', maximumInterval: '1m' },
});

export const reencryptionProgressQuery = defineQuery<ReencryptionProgress>('progress');

/** Batches per run before the history is carried over into a fresh one. */
const BATCHES_PER_RUN = 500;

export interface ReencryptionInput {
  batchSize: number;
  /** Where a previous run (continue-as-new) stopped. */
  progress?: ReencryptionProgress;
}

/**
 * Rewrites every value sealed with an old key under the current one, target by target in id
 * order, then retires the old keys. Each step is a batch whose writes are conditional, so a
 * worker lost mid-batch only repeats that batch; the progress is a query (Temporal UI).
 */
export async function reencryptStoredData(input: ReencryptionInput): Promise<ReencryptionReport> {
  const progress: ReencryptionProgress = input.progress ?? { target: 0, rewritten: {}, batches: 0 };
  setHandler(reencryptionProgressQuery, () => progress);
  let batchesThisRun = 0;
  while (progress.target < REENCRYPTION_TARGETS.length) {
    const target = REENCRYPTION_TARGETS[progress.target];
    const result = await maintenance.reencryptBatch({
      target,
      ...(progress.after ? { after: progress.after } : {}),
      limit: input.batchSize,
    });
    progress.rewritten[target] = (progress.rewritten[target] ?? 0) + result.rewritten;
    progress.batches++;
    batchesThisRun++;
    if (result.last) progress.after = result.last;
    else {
      progress.target++;
      delete progress.after;
    }
    if (batchesThisRun >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof reencryptStoredData>({ batchSize: input.batchSize, progress });
  }
  return maintenance.finishReencryption(progress.rewritten);
}
