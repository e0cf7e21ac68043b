import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { ReencryptionProgress, ReencryptionReport } from '../contracts/reencryption';
import { operationsTaskQueue } from '../contracts/taskQueues';
import { reencryptionProgressQuery, reencryptStoredData } from '../workflows/reencryptStoredData';

export type OperationRunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated';

export interface OperationRun {
  status: OperationRunStatus;
  progress?: ReencryptionProgress;
  result?: ReencryptionReport;
}

/** Operators' workflows as the API starts and reads them. */
export interface OperationWorkflows {
  startReencryption(workflowId: string, batchSize: number): Promise<void>;
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
    async describe(workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      try {
        const { status } = await handle.describe();
        const run: OperationRun = { status: STATUS[status.name] ?? 'running' };
        if (run.status === 'running') run.progress = await handle.query(reencryptionProgressQuery);
        if (run.status === 'completed') run.result = (await handle.result()) as ReencryptionReport;
        return run;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    },
  };
}
