import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance';
import type { ReconcileCounts, ReconciledStatus, ReconcileInput } from '../contracts/reconciliation';

const maintenance = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', maximumInterval: '1m' },
});

const WALK: ReconciledStatus[] = ['scheduled', 'queued', 'accepted', 'deferred', 'unknown'];

/**
 * Finds unfinished messages whose workflow is closed, gone or overdue and restarts, pushes or
 * finishes each (the rule in src/operations/reconciliation.ts), started by the reconciler
 * Schedule. Returns what it did; the stuck count goes to the metrics.
 */
export async function reconcileMessages(input: ReconcileInput): Promise<ReconcileCounts> {
  const counts: ReconcileCounts = input.counts ?? {
    checked: 0,
    pushed: 0,
    restarted: 0,
    finished: 0,
    stuck: 0,
  };
  let position = input.position ?? { status: WALK[0] };
  for (;;) {
    const batch = await maintenance.reconcileBatch({
      position,
      limit: input.batchSize,
      marginMs: input.marginMs,
    });
    for (const key of Object.keys(counts) as (keyof ReconcileCounts)[]) counts[key] += batch.counts[key];
    if (batch.next) position = batch.next;
    else {
      const following = WALK[WALK.indexOf(position.status) + 1];
      if (!following) break;
      position = { status: following };
    }
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof reconcileMessages>({ ...input, position, counts });
  }
  await maintenance.recordReconciliation(counts);
  return counts;
}
