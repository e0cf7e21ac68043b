import type { AccountEventType } from '../contracts/statuses';
import type { Collections } from '../db/mongo';
import { fanOutEvent, type WebhookWorkflows } from '../webhooks/fanOut';
import { appendEvent } from './eventLog';

/**
 * Records an event about the project rather than a message (suspension, a disabled
 * endpoint) and hands it to webhooks. `key` makes a repeat of the same occurrence a no-op.
 */
export async function recordAccountEvent(
  c: Collections,
  webhooks: WebhookWorkflows,
  input: {
    projectId: string;
    type: AccountEventType;
    key: string;
    at: Date;
    details: Record<string, string>;
  },
): Promise<void> {
  const { event, inserted } = await appendEvent(c, {
    _id: `${input.projectId}:${input.type}:${input.key}`,
    project_id: input.projectId,
    message_id: '',
    type: input.type,
    created_at: input.at,
    details: input.details,
  });
  if (inserted) await fanOutEvent(c, webhooks, event);
}
