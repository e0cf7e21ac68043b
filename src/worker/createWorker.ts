import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { TransportProvider } from '../activities/smtpTransport';
import type { Config } from '../config';
import type { Database } from '../db/mongo';

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

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  const activities = createActivities({
    collections: deps.database.collections,
    transports: deps.transports,
    smtpUrl: deps.config.SMTP_URL,
  });
  return Worker.create({
    connection: deps.connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    activities,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...deps.tuning,
  });
}
