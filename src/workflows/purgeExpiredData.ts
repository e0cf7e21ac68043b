import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance';
import type {
  PurgeBatchResult,
  PurgeCursor,
  RetentionPlanEntry,
  RetentionReport,
} from '../contracts/retention';

const maintenance = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', maximumInterval: '1m' },
});

export interface PurgeInput {
  batchSize: number;
  /** Carried over by continue-as-new: projects still to do, and the totals so far. */
  plan?: RetentionPlanEntry[];
  report?: RetentionReport;
}

/**
 * Applies every project's retention, started by the retention Schedule (pausable in the
 * Temporal UI): content past its days first, then whole messages past theirs, in batches.
 * Every batch is idempotent, so a lost worker only repeats one.
 */
export async function purgeExpiredData(input: PurgeInput): Promise<RetentionReport> {
  const plan = input.plan ?? (await maintenance.retentionPlan());
  const report: RetentionReport = input.report ?? {
    projects: 0,
    content: { messages: 0, files: 0 },
    metadata: { messages: 0, records: 0 },
  };
  for (let i = 0; i < plan.length; i++) {
    const entry = plan[i];
    let cursor: PurgeCursor | undefined;
    for (let more = true; more; ) {
      const batch: PurgeBatchResult = await maintenance.purgeContentBatch({
        projectId: entry.projectId,
        before: entry.contentBefore,
        limit: input.batchSize,
        ...(cursor ? { cursor } : {}),
      });
      report.content.messages += batch.messages;
      report.content.files += batch.files;
      cursor = batch.cursor;
      more = batch.more;
    }
    cursor = undefined;
    for (let more = true; more; ) {
      const batch: PurgeBatchResult = await maintenance.purgeMetadataBatch({
        projectId: entry.projectId,
        before: entry.metadataBefore,
        limit: input.batchSize,
        ...(cursor ? { cursor } : {}),
      });
      cursor = batch.cursor;
      report.metadata.messages += batch.messages;
      report.metadata.records += batch.records;
      report.content.files += batch.files;
      more = batch.more;
    }
    report.projects++;
    if (workflowInfo().continueAsNewSuggested && i + 1 < plan.length)
      await continueAsNew<typeof purgeExpiredData>({
        batchSize: input.batchSize,
        plan: plan.slice(i + 1),
        report,
      });
  }
  return report;
}
