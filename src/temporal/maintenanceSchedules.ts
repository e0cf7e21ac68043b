import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { operationsTaskQueue } from '../contracts/taskQueues';
import { purgeExpiredData } from '../workflows/purgeExpiredData';
import { reconcileMessages } from '../workflows/reconcileMessages';

/** Messages (or files) purged per activity: one step of the history each. */
const PURGE_BATCH = 500;
/** Messages looked up per reconciliation activity. */
const RECONCILE_BATCH = 200;

export function retentionScheduleId(baseTaskQueue: string): string {
  return `${baseTaskQueue}-retention`;
}

export function reconcilerScheduleId(baseTaskQueue: string): string {
  return `${baseTaskQueue}-reconciler`;
}

/**
 * Creates a maintenance Schedule (pausable, triggerable and visible in the Temporal UI), or sets
 * the interval this process was configured with on an existing one. Runs never overlap: a slow
 * run makes the next one skip.
 */
async function ensureSchedule(
  client: Client,
  scheduleId: string,
  everyMinutes: number,
  action: Parameters<Client['schedule']['create']>[0]['action'],
  note: string,
): Promise<void> {
  const spec = { intervals: [{ every: everyMinutes * 60_000 }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
      state: { note },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec }));
  }
}

/** Applies retention every `everyMinutes` (README "Data protection"). */
export async function ensureRetentionSchedule(
  client: Client,
  baseTaskQueue: string,
  everyMinutes: number,
): Promise<void> {
  const scheduleId = retentionScheduleId(baseTaskQueue);
  await ensureSchedule(
    client,
    scheduleId,
    everyMinutes,
    {
      type: 'startWorkflow',
      workflowType: purgeExpiredData,
      workflowId: scheduleId,
      taskQueue: operationsTaskQueue(baseTaskQueue),
      args: [{ batchSize: PURGE_BATCH }],
    },
    'Purges message content and records past each project\'s retention (README "Data protection").',
  );
}

/** Finds and mends stuck messages every `everyMinutes` (README "Never stuck"). */
export async function ensureReconcilerSchedule(
  client: Client,
  baseTaskQueue: string,
  everyMinutes: number,
  marginMinutes: number,
): Promise<void> {
  const scheduleId = reconcilerScheduleId(baseTaskQueue);
  await ensureSchedule(
    client,
    scheduleId,
    everyMinutes,
    {
      type: 'startWorkflow',
      workflowType: reconcileMessages,
      workflowId: scheduleId,
      taskQueue: operationsTaskQueue(baseTaskQueue),
      args: [{ marginMs: marginMinutes * 60_000, batchSize: RECONCILE_BATCH }],
    },
    'Restarts, pushes or finishes messages whose workflow is closed, lost or overdue (README "Never stuck").',
  );
}
