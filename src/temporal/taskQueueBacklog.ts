import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { PRIORITIES } from '../contracts/statuses';
import { operationsTaskQueue, taskQueueFor } from '../contracts/taskQueues';
import { webhookTaskQueue } from './webhookWorkflows';

/**
 * Tasks waiting in each of our task queues (workflow and activity tasks), as Temporal
 * estimates them: the backlog per priority tier, webhooks and operations.
 */
export async function taskQueueBacklog(
  client: Client,
  namespace: string,
  base: string,
): Promise<[Record<string, string>, number][]> {
  const queues: [string, string][] = [
    ...PRIORITIES.map((p): [string, string] => [p, taskQueueFor(base, p)]),
    ['webhooks', webhookTaskQueue(base)],
    ['operations', operationsTaskQueue(base)],
  ];
  const types = [
    temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  ];
  return Promise.all(
    queues.map(async ([tier, name]): Promise<[Record<string, string>, number]> => {
      let backlog = 0;
      for (const taskQueueType of types) {
        const answer = await client.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          taskQueueType,
          reportStats: true,
        });
        backlog += Number(answer.stats?.approximateBacklogCount ?? 0);
      }
      return [{ tier }, backlog];
    }),
  );
}
