import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { sha256Hex } from '../db/ids';
import type { WebhookWorkflows } from '../webhooks/fanOut';
import { deliverWebhook } from '../workflows/deliverWebhook';

export function webhookTaskQueue(base: string): string {
  return `${base}-webhooks`;
}

export function webhookWorkflowId(deliveryId: string, round: number): string {
  return `webhook-${sha256Hex(deliveryId).slice(0, 32)}-r${round}`;
}

export function createWebhookWorkflows(client: Client, baseTaskQueue: string): WebhookWorkflows {
  return {
    async start(deliveryId, round) {
      try {
        await client.workflow.start(deliverWebhook, {
          workflowId: webhookWorkflowId(deliveryId, round),
          taskQueue: webhookTaskQueue(baseTaskQueue),
          args: [{ deliveryId }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          staticSummary: `Webhook delivery ${deliveryId}${round ? ` (manual retry ${round})` : ''}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
  };
}
