import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { RedriveInput, RedriveProgress } from '../contracts/redrive';
import type { ReencryptionProgress, ReencryptionReport } from '../contracts/reencryption';
import { operationsTaskQueue } from '../contracts/taskQueues';
import { redriveMessages } from '../workflows/redriveMessages';
import { reencryptionProgressQuery, reencryptStoredData } from '../workflows/reencryptStoredData';

export type OperationRunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated';

export interface OperationRun {
  status: OperationRunStatus;
  progress?: ReencryptionProgress | RedriveProgress;
  result?: ReencryptionReport | RedriveProgress;
}

/** Operators' workflows as the API starts and reads them. */
export interface OperationWorkflows {
  startReencryption(workflowId: string, batchSize: number): Promise<void>;
  startRedrive(workflowId: string, input: RedriveInput): Promise<void>;
  /** Asks the operation's workflow to stop (a Temporal cancellation, visible in its history). */
  cancel(workflowId: string): Promise<void>;
  /** Where the workflow stands; undefined when Temporal no longer has it (retention). */
  describe(workflowId: string): Promise<OperationRun | undefined>;
}

const STATUS: Record<string, OperationRunStatus> = {
  RUNNING: 'running',
  CONTINUED_AS_NEW: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  TIMED_OUT: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
};

export function createOperationWorkflows(client: Client, baseTaskQueue: string): OperationWorkflows {
  return {
    async startReencryption(workflowId, batchSize) {
      await client.workflow.start(reencryptStoredData, {
        workflowId,
        taskQueue: operationsTaskQueue(baseTaskQueue),
        args: [{ batchSize }],
      });
    },
    async startRedrive(workflowId, input) {
      await client.workflow.start(redriveMessages, {
        workflowId,
        taskQueue: operationsTaskQueue(baseTaskQueue),
        args: [input],
        staticSummary: `Re-drive ${input.filter.status} messages of ${input.projectId}`,
      });
    },
    async cancel(workflowId) {
      await client.workflow.getHandle(workflowId).cancel();
    },
    async describe(workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      try {
        const { status } = await handle.describe();
        const run: OperationRun = { status: STATUS[status.name] ?? 'running' };
        // Every operation's workflow answers the same query name with its own progress.
        if (run.status === 'running')
          run.progress = await handle.query<OperationRun['progress']>(reencryptionProgressQuery.name);
        if (run.status === 'completed') run.result = (await handle.result()) as OperationRun['result'];
        return run;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    },
  };
}
