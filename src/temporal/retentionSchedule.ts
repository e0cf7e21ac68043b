import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { operationsTaskQueue } from '../contracts/taskQueues';
import { purgeExpiredData } from '../workflows/purgeExpiredData';

/** Messages (or files) purged per activity: one step of the history each. */
const PURGE_BATCH = 500;

export function retentionScheduleId(baseTaskQueue: string): string {
  return `${baseTaskQueue}-retention`;
}

/**
 * The Temporal Schedule that applies retention every `everyMinutes` (pausable, triggerable and
 * visible in the Temporal UI). Created by the first worker; later ones set the interval they
 * were configured with. Runs never overlap: a slow purge makes the next one skip.
 */
export async function ensureRetentionSchedule(
  client: Client,
  baseTaskQueue: string,
  everyMinutes: number,
): Promise<void> {
  const scheduleId = retentionScheduleId(baseTaskQueue);
  const spec = { intervals: [{ every: everyMinutes * 60_000 }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: purgeExpiredData,
        workflowId: scheduleId,
        taskQueue: operationsTaskQueue(baseTaskQueue),
        args: [{ batchSize: PURGE_BATCH }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
      state: {
        note: 'Purges message content and records past each project\'s retention (README "Data protection").',
      },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec }));
  }
}
