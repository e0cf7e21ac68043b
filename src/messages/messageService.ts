import type { Filter } from 'mongodb';
import type { ListMessagesQuery } from '../contracts/messageQueries';
import { ServiceError } from '../contracts/serviceError';
import type { EventDoc, MessageDoc } from '../db/documents';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { newestFirstPage } from '../db/pagination';
import { enforceReputation } from '../delivery/reputationGuard';
import { addSuppression } from '../suppressions/suppressionList';
import { fanOutEvent, type WebhookWorkflows } from '../webhooks/fanOut';
import { normalizeAddress } from './address';
import { openedContent } from './messageContent';
import { messagesWithTag } from './messageTags';
import { systemClock, writeStatus } from './statusChanges';

/** A message of the project, or `not_found` (another project's message is unknown too). */
export async function findOwnMessage(c: Collections, projectId: string, id: string): Promise<MessageDoc> {
  const message = await c.messages.findOne({ _id: id, project_id: projectId });
  if (!message) throw new ServiceError('not_found', `No message ${id}.`);
  return openedContent(c, message);
}

/** The message and its timeline, oldest event first. */
export async function messageWithTimeline(
  c: Collections,
  projectId: string,
  id: string,
): Promise<{ message: MessageDoc; events: EventDoc[] }> {
  const message = await findOwnMessage(c, projectId, id);
  const events = await c.events
    .find({ message_id: message._id })
    .sort({ seq: 1 })
    .hint(INDEX.eventTimeline)
    .toArray();
  return { message, events };
}

function listFilter(projectId: string, q: ListMessagesQuery): Filter<MessageDoc> {
  const filter: Record<string, unknown> = { project_id: projectId };
  if (q.status) filter.status = q.status;
  if (q.recipient) filter.recipient = normalizeAddress(q.recipient);
  if (q.test) filter.test = q.test === 'true';
  const created: Record<string, Date> = {};
  if (q.created_after) created.$gt = new Date(q.created_after);
  if (q.created_before) created.$lt = new Date(q.created_before);
  if (Object.keys(created).length) filter.created_at = created;
  return filter as Filter<MessageDoc>;
}

const WITHOUT_BODIES = { html: 0, text: 0, attachments: 0, raw_mime: 0, 'sealed.body': 0 } as const;

/**
 * A newest-first page of the project's messages, without bodies. Each filter runs on the index
 * that narrows it most: a recipient has few messages, a status many; a tag on its own entries.
 */
export async function listMessages(c: Collections, projectId: string, q: ListMessagesQuery) {
  const page = q.tag
    ? await messagesWithTag(c, { ...q, tag: q.tag }, listFilter(projectId, q), WITHOUT_BODIES)
    : await newestFirstPage(c.messages, listFilter(projectId, q), {
        limit: q.limit,
        cursor: q.cursor,
        projection: WITHOUT_BODIES,
        index: q.recipient
          ? INDEX.messagesByRecipient
          : q.status
            ? INDEX.messagesByStatus
            : INDEX.messagesNewest,
      });
  return { ...page, items: page.items.map((m) => openedContent(c, m)) };
}

/**
 * A spam complaint about a delivered message (feedback loop): the message becomes
 * `complained`, the recipient is suppressed, webhooks hear of it and the reputation guard
 * counts it. The message's workflow has ended by then, so this runs here, not in it.
 */
export async function recordComplaint(
  c: Collections,
  webhooks: WebhookWorkflows,
  projectId: string,
  id: string,
): Promise<void> {
  const message = await findOwnMessage(c, projectId, id);
  if (message.status !== 'delivered' && message.status !== 'complained') {
    throw new ServiceError(
      'validation_failed',
      `Only a delivered message can be complained about; ${message._id} is ${message.status}.`,
    );
  }
  await recordLateOutcome(c, webhooks, message, { status: 'complained' });
}

/**
 * What the recipient's side reported after the message's workflow ended: a complaint, or a
 * bounce (a DSN after a 250). The message takes the new status (its timeline keeps the
 * delivery too), the recipient is suppressed, webhooks hear of it and the reputation guard
 * counts it.
 */
export async function recordLateOutcome(
  c: Collections,
  webhooks: WebhookWorkflows,
  message: MessageDoc,
  outcome:
    | { status: 'complained' }
    | {
        status: 'bounced';
        smtp: { code?: number; enhanced_code?: string; response?: string };
        reason: string;
      },
): Promise<void> {
  const now = new Date();
  await addSuppression(c, systemClock, {
    projectId: message.project_id,
    recipient: message.recipient,
    reason: outcome.status === 'complained' ? 'complaint' : 'hard_bounce',
    sourceMessageId: message._id,
  });
  const event = await writeStatus(c, systemClock, {
    messageId: message._id,
    projectId: message.project_id,
    recipient: message.recipient,
    ...(outcome.status === 'bounced'
      ? { status: 'bounced', bounceType: 'hard', smtp: outcome.smtp, reason: outcome.reason }
      : { status: 'complained' }),
  });
  await fanOutEvent(c, webhooks, event);
  await enforceReputation(c, webhooks, message.project_id, now);
}
