import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Config } from '../config';
import type { DeliverMessageInput } from '../contracts/deliveryInput';
import type { CancelAnswer, RerouteAnswer, RetryNowAnswer } from '../contracts/messageActions';
import {
  SA_MESSAGE_ID,
  SA_PROJECT,
  SA_RECIPIENT,
  SA_RECIPIENT_DOMAIN,
  SA_STATUS,
} from '../contracts/searchAttributes';
import type { MessageStatus, Priority } from '../contracts/statuses';
import { taskQueueFor } from '../contracts/taskQueues';
import { type Keyring, keyringFromConfig } from '../crypto/keyring';
import { cancelUpdate, deliverMessage, rerouteUpdate, retryNowUpdate } from '../workflows/deliverMessage';

export interface MessageWorkflowStart {
  workflowId: string;
  priority: Priority;
  input: DeliverMessageInput;
  initialStatus: 'queued' | 'scheduled';
  /** What the Temporal UI shows for the workflow: the mail, not its ids (encrypted with the codec). */
  summary: string;
  details: string;
}

/** The API's only handle on Temporal: start, withdraw and cancel delivery workflows. */
export interface MessageWorkflows {
  /** Starts the workflow; resolves quietly if one with this id already runs or has run. */
  start(start: MessageWorkflowStart): Promise<void>;
  /** Ends a workflow whose message could not be stored; false when it could not be reached. */
  withdraw(workflowId: string, reason: string): Promise<boolean>;
  /** Requests cancellation; false when no such workflow exists. */
  cancel(workflowId: string): Promise<boolean>;
  /**
   * The operators' actions, answered by the workflow itself (Updates); refusals throw
   * ActionRefused. A retry's reason is recorded in the timeline; `waitMs` bounds the wait for
   * an answer (a workflow no worker runs never answers).
   */
  retryNow(workflowId: string, opts?: { reason?: string; waitMs?: number }): Promise<RetryNowAnswer>;
  reroute(workflowId: string, route: string): Promise<RerouteAnswer>;
  cancelByUpdate(workflowId: string): Promise<CancelAnswer>;
  /** Whether the workflow still runs, how it ended, or that Temporal no longer knows it. */
  describe(workflowId: string): Promise<WorkflowState>;
}

type UnfinishedState = 'running' | 'terminated' | 'failed' | 'timed_out' | 'cancelled' | 'gone';
export type WorkflowState = { state: UnfinishedState } | { state: 'completed'; result: MessageStatus };

const CLOSED_STATES: Record<string, UnfinishedState> = {
  RUNNING: 'running',
  TERMINATED: 'terminated',
  FAILED: 'failed',
  TIMED_OUT: 'timed_out',
  CANCELLED: 'cancelled',
};

/** The workflow refused an action (its type is one of ACTION_REFUSED), or is gone. */
export class ActionRefused extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionRefused';
  }
}

/** Runs an Update, turning a refusal (validator or handler) into ActionRefused. */
async function askWorkflow<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ActionRefused('workflow_gone', err.message);
    if (err instanceof WorkflowUpdateFailedError) {
      // A refusal by the validator or handler, or one by an activity the handler ran.
      let cause: unknown = err.cause;
      while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as Error).cause;
      if (cause instanceof ApplicationFailure)
        throw new ActionRefused(cause.type ?? 'refused', cause.message);
    }
    throw err;
  }
}

/**
 * `recipientAttribute` is what the SendflowRecipient search attribute holds: the address, or a
 * keyed hash of it when the deployment keeps addresses out of Temporal's visibility store.
 */
export function createMessageWorkflows(
  client: Client,
  baseTaskQueue: string,
  recipientAttribute: (recipient: string) => string = (r) => r,
): MessageWorkflows {
  return {
    async start({ workflowId, priority, input, initialStatus, summary, details }) {
      try {
        // By reference: the compiler checks the arguments against the workflow's signature.
        await client.workflow.start(deliverMessage, {
          workflowId,
          taskQueue: taskQueueFor(baseTaskQueue, priority),
          args: [input],
          // The default policy would let a completed id run again and send twice. A failed or
          // terminated one never sent (a withdrawn acceptance) and may start again.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
          staticSummary: summary,
          staticDetails: details,
          typedSearchAttributes: [
            { key: SA_MESSAGE_ID, value: input.messageId },
            { key: SA_PROJECT, value: input.projectId },
            { key: SA_STATUS, value: initialStatus },
            { key: SA_RECIPIENT, value: recipientAttribute(input.recipient) },
            { key: SA_RECIPIENT_DOMAIN, value: input.recipientDomain },
          ],
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return;
        throw err;
      }
    },
    async withdraw(workflowId, reason) {
      try {
        await client.workflow.getHandle(workflowId).terminate(reason);
        return true;
      } catch (err) {
        return err instanceof WorkflowNotFoundError;
      }
    },
    retryNow: (workflowId, opts = {}) => {
      const ask = () =>
        client.workflow
          .getHandle(workflowId)
          .executeUpdate(retryNowUpdate, { args: [opts.reason ? { reason: opts.reason } : {}] });
      return askWorkflow(opts.waitMs ? () => client.withDeadline(Date.now() + (opts.waitMs ?? 0), ask) : ask);
    },
    async describe(workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      try {
        const { status } = await handle.describe();
        if (status.name === 'COMPLETED')
          return { state: 'completed', result: (await handle.result()) as MessageStatus };
        return { state: CLOSED_STATES[status.name] ?? 'failed' };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { state: 'gone' };
        throw err;
      }
    },
    reroute: (workflowId, route) =>
      askWorkflow(() =>
        client.workflow.getHandle(workflowId).executeUpdate(rerouteUpdate, { args: [{ route }] }),
      ),
    cancelByUpdate: (workflowId) =>
      askWorkflow(() => client.workflow.getHandle(workflowId).executeUpdate(cancelUpdate)),
    async cancel(workflowId) {
      try {
        await client.workflow.getHandle(workflowId).cancel();
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  };
}

/** The starter the API and the relay use, with the recipient attribute the configuration asks for. */
export function messageWorkflowsFromConfig(
  client: Client,
  config: Pick<
    Config,
    | 'TEMPORAL_TASK_QUEUE'
    | 'SENDFLOW_HASH_RECIPIENT_ATTRIBUTE'
    | 'SENDFLOW_ENCRYPTION_KEY'
    | 'SENDFLOW_ENCRYPTION_OLD_KEYS'
  >,
): MessageWorkflows {
  const keyring = keyringFromConfig(config);
  const hashed = config.SENDFLOW_HASH_RECIPIENT_ATTRIBUTE && keyring;
  return createMessageWorkflows(
    client,
    config.TEMPORAL_TASK_QUEUE,
    hashed ? (recipient) => recipientAttributeHash(hashed, recipient) : undefined,
  );
}

/** What SendflowRecipient holds for an address when hashing is on: search for this value. */
export function recipientAttributeHash(keyring: Keyring, recipient: string): string {
  return `h:${keyring.hash('search-attribute:recipient', recipient.toLowerCase())}`;
}
