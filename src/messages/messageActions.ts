import { ACTION_REFUSED } from '../contracts/messageActions';
import { ServiceError } from '../contracts/serviceError';
import type { MessageDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { ActionRefused, type MessageWorkflows } from '../temporal/messageWorkflows';
import { findOwnMessage } from './messageService';

/** What an action on a message that has already ended answers. */
function endedError(message: MessageDoc, action: string): ServiceError {
  // A cancel of sent mail keeps the contract's answer; retry and reroute say 409.
  if (action === 'cancelled' && ['delivered', 'bounced', 'complained'].includes(message.status))
    return new ServiceError(
      'already_sent',
      `Message ${message._id} was already ${message.status}; it cannot be ${action}.`,
    );
  return new ServiceError(
    'invalid_state',
    `Message ${message._id} already ended as ${message.status}; it cannot be ${action}.`,
  );
}

/** Asks the message's workflow; a refusal becomes the API's error, read against the stored message. */
async function ask<T>(
  c: Collections,
  projectId: string,
  message: MessageDoc,
  action: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ActionRefused)) throw err;
    if (err.type === ACTION_REFUSED.final || err.type === 'workflow_gone')
      throw endedError(await findOwnMessage(c, projectId, message._id), action);
    if (err.type === ACTION_REFUSED.unknownRoute)
      throw new ServiceError('validation_failed', err.message, [
        { field: 'route', message: 'no such route' },
      ]);
    throw new ServiceError('invalid_state', err.message);
  }
}

/** Ends the wait of a deferred (or scheduled) message: its next attempt starts now. */
export async function retryMessage(
  c: Collections,
  workflows: MessageWorkflows,
  projectId: string,
  id: string,
): Promise<{ message_id: string; attempt: number }> {
  const message = await findOwnMessage(c, projectId, id);
  const { attempt } = await ask(c, projectId, message, 'retried', () =>
    workflows.retryNow(message.workflow_id),
  );
  return { message_id: message._id, attempt };
}

/** Sends the message's next attempts through another of the project's routes (or `default`). */
export async function rerouteMessage(
  c: Collections,
  workflows: MessageWorkflows,
  projectId: string,
  id: string,
  route: string,
): Promise<{ message_id: string; route: string }> {
  const message = await findOwnMessage(c, projectId, id);
  await ask(c, projectId, message, 'rerouted', () => workflows.reroute(message.workflow_id, route));
  return { message_id: message._id, route };
}

/**
 * Cancels through the message's workflow, which answers its decision: `cancelled`, or
 * `cancel_requested` while an attempt is under way (it lands after, unless that one delivers).
 */
export async function cancelMessage(
  c: Collections,
  workflows: MessageWorkflows,
  projectId: string,
  id: string,
): Promise<'cancelled' | 'cancel_requested'> {
  const message = await findOwnMessage(c, projectId, id);
  if (message.status === 'cancelled') return 'cancelled';
  try {
    return await ask(c, projectId, message, 'cancelled', () => workflows.cancelByUpdate(message.workflow_id));
  } catch (err) {
    // Asked twice, the second answer comes from the record of the first.
    if (err instanceof ServiceError && (await findOwnMessage(c, projectId, id)).status === 'cancelled')
      return 'cancelled';
    throw err;
  }
}
