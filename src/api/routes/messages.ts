import type { Filter } from 'mongodb';
import { z } from 'zod';
import {
  cancelledSchema,
  type ListMessagesQuery,
  listMessagesQuerySchema,
  messageDetailSchema,
  messageListSchema,
} from '../../contracts/messageQueries';
import {
  acceptedMessageSchema,
  batchDocumentedSchema,
  batchRequestSchema,
  sendMessageSchema,
} from '../../contracts/messageRequest';
import { pageBody } from '../../contracts/page';
import { ServiceError } from '../../contracts/serviceError';
import { FINAL_STATUSES } from '../../contracts/statuses';
import type { MessageDoc } from '../../db/documents';
import type { Collections } from '../../db/mongo';
import { newestFirstPage } from '../../db/pagination';
import { enforceReputation } from '../../delivery/reputationGuard';
import { normalizeAddress } from '../../messages/address';
import { type AcceptanceDeps, acceptMessage } from '../../messages/messageAcceptance';
import { recordStatusChange, systemClock } from '../../messages/statusChanges';
import { addSuppression } from '../../suppressions/suppressionList';
import type { MessageWorkflows } from '../../temporal/messageWorkflows';
import { fanOutEvent, type WebhookWorkflows } from '../../webhooks/fanOut';
import type { AuthContext } from '../authContext';
import { httpStatusOf, toServiceError } from '../errors';
import { messageDetailView, messageSummaryView } from '../messageView';
import { type RouteSpec, route } from '../routeSpec';

const BATCH_CONCURRENCY = 16;
const CANCEL_WAIT_MS = 10_000;

async function findOwnMessage(c: Collections, auth: AuthContext, id: string): Promise<MessageDoc> {
  const message = await c.messages.findOne({ _id: id, project_id: auth.projectId });
  if (!message) throw new ServiceError('not_found', `No message ${id}.`);
  return message;
}

/** Runs fn over items with bounded concurrency, keeping results in input order. */
async function mapInOrder<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}

function listFilter(auth: AuthContext, q: ListMessagesQuery): Filter<MessageDoc> {
  const filter: Record<string, unknown> = { project_id: auth.projectId };
  if (q.status) filter.status = q.status;
  if (q.recipient) filter.recipient = normalizeAddress(q.recipient);
  if (q.tag) filter.tags = q.tag;
  const created: Record<string, Date> = {};
  if (q.created_after) created.$gt = new Date(q.created_after);
  if (q.created_before) created.$lt = new Date(q.created_before);
  if (Object.keys(created).length) filter.created_at = created;
  return filter as Filter<MessageDoc>;
}

export function messageRoutes(
  deps: AcceptanceDeps & { workflows: MessageWorkflows; webhooks: WebhookWorkflows },
): RouteSpec[] {
  const c = deps.collections;
  return [
    route({
      method: 'post',
      path: '/v1/messages',
      tag: 'Messages',
      summary: 'Send one message',
      scope: 'send',
      documentedBody: sendMessageSchema,
      responses: {
        202: { description: 'Accepted for delivery (not yet delivered)', schema: acceptedMessageSchema },
      },
      async handler({ req, auth }) {
        const result = await acceptMessage(deps, auth, req.body, {
          'idempotency-key': req.get('idempotency-key'),
          'x-idempotency-key': req.get('x-idempotency-key'),
        });
        return {
          status: 202,
          body: result.body,
          headers: result.replayed ? { 'Idempotent-Replayed': 'true' } : undefined,
        };
      },
    }),
    route({
      method: 'post',
      path: '/v1/messages/batch',
      tag: 'Messages',
      summary: 'Send up to 500 messages; each succeeds or fails on its own',
      scope: 'send',
      body: batchRequestSchema,
      documentedBody: batchDocumentedSchema,
      responses: {
        200: {
          description: 'Per-item results in request order',
          schema: z.object({
            data: z.array(
              z.union([
                acceptedMessageSchema.extend({ status: z.literal(202), message_status: z.string() }),
                z.object({ status: z.number(), error: z.string(), message: z.string() }),
              ]),
            ),
          }),
        },
      },
      async handler({ body, auth }) {
        const data = await mapInOrder(body, BATCH_CONCURRENCY, async (item) => {
          try {
            const { body: accepted } = await acceptMessage(deps, auth, item, {});
            return { ...accepted, status: 202, message_status: accepted.status };
          } catch (err) {
            const e = toServiceError(err);
            return {
              status: httpStatusOf(e),
              error: e.slug,
              message: e.message,
              ...(e.errors ? { errors: e.errors } : {}),
            };
          }
        });
        return { status: 200, body: { data } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/messages',
      tag: 'Messages',
      summary: 'List messages, newest first',
      scope: 'read',
      query: listMessagesQuerySchema,
      responses: { 200: { description: 'One page of messages', schema: messageListSchema } },
      async handler({ query, auth }) {
        const page = await newestFirstPage(c.messages, listFilter(auth, query), {
          limit: query.limit,
          cursor: query.cursor,
          projection: { html: 0, text: 0, attachments: 0 },
        });
        return { body: pageBody(page, messageSummaryView) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/messages/:id',
      tag: 'Messages',
      summary: 'A message with its status and timeline',
      scope: 'read',
      responses: { 200: { description: 'The message', schema: messageDetailSchema } },
      async handler({ params, auth }) {
        const message = await findOwnMessage(c, auth, params.id);
        const events = await c.events.find({ message_id: message._id }).sort({ seq: 1 }).toArray();
        return { body: messageDetailView(message, events) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/messages/:id/complaint',
      tag: 'Messages',
      summary:
        'Record a spam complaint (feedback loop): the message becomes complained and the recipient suppressed',
      scope: 'admin',
      responses: { 200: { description: 'The message after the complaint', schema: messageDetailSchema } },
      async handler({ params, auth }) {
        const message = await findOwnMessage(c, auth, params.id);
        if (message.status !== 'delivered' && message.status !== 'complained') {
          throw new ServiceError(
            'validation_failed',
            `Only a delivered message can be complained about; ${message._id} is ${message.status}.`,
          );
        }
        const now = new Date();
        await addSuppression(c, systemClock, {
          projectId: auth.projectId,
          recipient: message.recipient,
          reason: 'complaint',
          sourceMessageId: message._id,
        });
        const event = await recordStatusChange(c, systemClock, {
          messageId: message._id,
          projectId: message.project_id,
          recipient: message.recipient,
          status: 'complained',
        });
        await fanOutEvent(c, deps.webhooks, event);
        await enforceReputation(c, deps.webhooks, auth.projectId, now);
        const updated = await findOwnMessage(c, auth, params.id);
        const events = await c.events.find({ message_id: message._id }).sort({ seq: 1 }).toArray();
        return { body: messageDetailView(updated, events) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/messages/:id',
      tag: 'Messages',
      summary: 'Cancel a scheduled, queued or deferred message',
      scope: 'send',
      responses: {
        200: { description: 'Cancelled', schema: cancelledSchema },
        202: {
          description: 'Cancellation requested; the worker has not confirmed it yet',
          schema: cancelledSchema,
        },
      },
      async handler({ params, auth }) {
        let message = await findOwnMessage(c, auth, params.id);
        const cancelled = { message_id: message._id, status: 'cancelled' };
        if (message.status === 'cancelled') return { body: cancelled };
        if (!FINAL_STATUSES.includes(message.status)) {
          await deps.workflows.cancel(message.workflow_id);
          // The workflow decides: an attempt already under way finishes before the cancel lands.
          const deadline = Date.now() + CANCEL_WAIT_MS;
          while (!FINAL_STATUSES.includes(message.status) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
            message = await findOwnMessage(c, auth, params.id);
          }
          if (message.status === 'cancelled') return { body: cancelled };
          if (!FINAL_STATUSES.includes(message.status)) {
            return { status: 202, body: { message_id: message._id, status: 'cancel_requested' } };
          }
        }
        if (['delivered', 'bounced', 'complained'].includes(message.status)) {
          throw new ServiceError('already_sent', `Message ${message._id} was already ${message.status}.`);
        }
        throw new ServiceError(
          'validation_failed',
          `Message ${message._id} already ended as ${message.status}.`,
        );
      },
    }),
  ];
}
