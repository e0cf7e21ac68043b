import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Config } from '../config';
import type { DeliverMessageInput } from '../contracts/deliveryInput';
import {
  SA_MESSAGE_ID,
  SA_PROJECT,
  SA_RECIPIENT,
  SA_RECIPIENT_DOMAIN,
  SA_STATUS,
} from '../contracts/searchAttributes';
import type { Priority } from '../contracts/statuses';
import { taskQueueFor } from '../contracts/taskQueues';
import { type Keyring, keyringFromConfig } from '../crypto/keyring';
import { deliverMessage } from '../workflows/deliverMessage';

export interface MessageWorkflowStart {
  workflowId: string;
  priority: Priority;
  input: DeliverMessageInput;
  initialStatus: 'queued' | 'scheduled';
}

/** The API's only handle on Temporal: start, withdraw and cancel delivery workflows. */
export interface MessageWorkflows {
  /** Starts the workflow; resolves quietly if one with this id already runs or has run. */
  start(start: MessageWorkflowStart): Promise<void>;
  /** Ends a workflow whose message could not be stored; false when it could not be reached. */
  withdraw(workflowId: string, reason: string): Promise<boolean>;
  /** Requests cancellation; false when no such workflow exists. */
  cancel(workflowId: string): Promise<boolean>;
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
    async start({ workflowId, priority, input, initialStatus }) {
      try {
        // By reference: the compiler checks the arguments against the workflow's signature.
        await client.workflow.start(deliverMessage, {
          workflowId,
          taskQueue: taskQueueFor(baseTaskQueue, priority),
          args: [input],
          // The default policy would let a completed id run again and send twice. A failed or
          // terminated one never sent (a withdrawn acceptance) and may start again.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
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
