import {
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance';
import type { RedriveInput, RedriveProgress } from '../contracts/redrive';

const maintenance = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', maximumInterval: '30s' },
});

export const redriveProgressQuery = defineQuery<RedriveProgress>('progress');

const BATCH = 100;

/**
 * Pushes every message matching the filter to attempt now, at most `ratePerSecond`: for "the
 * relay was down for two hours, send every deferred message to gmail.com now". Each push is
 * the message workflow's own retry (an Update it may refuse); cancelling this workflow stops it.
 */
export async function redriveMessages(input: RedriveInput): Promise<RedriveProgress> {
  const progress: RedriveProgress = input.progress ?? { matched: 0, retried: 0, refused: 0 };
  setHandler(redriveProgressQuery, () => progress);
  let after = input.after;
  for (;;) {
    const batch = await maintenance.findRedriveBatch({
      projectId: input.projectId,
      filter: input.filter,
      limit: BATCH,
      ...(after ? { after } : {}),
    });
    progress.matched += batch.messages.length;
    for (const m of batch.messages) {
      if (await maintenance.retryNow({ workflowId: m.workflowId })) progress.retried++;
      else progress.refused++;
      await sleep(Math.ceil(1000 / input.ratePerSecond));
    }
    if (!batch.next) return progress;
    after = batch.next;
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof redriveMessages>({ ...input, after, progress });
  }
}
