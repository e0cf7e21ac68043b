import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { TransportProvider } from '../activities/smtpTransport';
import type { Config } from '../config';
import type { Database } from '../db/mongo';
import { PRIORITIES, type Priority } from '../domain/statuses';
import { taskQueueFor } from '../domain/taskQueues';

export interface WorkerDeps {
  config: Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'SMTP_URL'>;
  connection: NativeConnection;
  database: Database;
  transports: TransportProvider;
  /** Pre-built workflow bundle (tests share one); otherwise workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxCachedWorkflows'>>;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

/** One worker per priority tier, sharing the connection, activities and workflow bundle. */
export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const activities = createActivities({
    collections: deps.database.collections,
    transports: deps.transports,
    smtpUrl: deps.config.SMTP_URL,
  });
  const workflowSource = deps.workflowBundle
    ? { workflowBundle: deps.workflowBundle }
    : { workflowBundle: await bundleOnce() };
  return Promise.all(
    PRIORITIES.map((priority: Priority) =>
      Worker.create({
        connection: deps.connection,
        namespace: deps.config.TEMPORAL_NAMESPACE,
        taskQueue: taskQueueFor(deps.config.TEMPORAL_TASK_QUEUE, priority),
        activities,
        ...workflowSource,
        ...deps.tuning,
      }),
    ),
  );
}

/** Runs every worker until a shutdown signal; resolves when all have drained. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}

async function bundleOnce(): Promise<{ code: string }> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
}
