import { z } from 'zod';
import {
  cancelledSchema,
  listMessagesQuerySchema,
  messageDetailSchema,
  messageListSchema,
  previewQuerySchema,
  rerouteAnswerSchema,
  rerouteRequestSchema,
  retryAnswerSchema,
} from '../../contracts/messageQueries';
import {
  acceptedMessageSchema,
  batchAnswerSchema,
  batchDocumentedSchema,
  batchRequestSchema,
  sendMessageSchema,
} from '../../contracts/messageRequest';
import { pageBody } from '../../contracts/page';
import { type AcceptanceDeps, acceptMessage } from '../../messages/messageAcceptance';
import { cancelMessage, rerouteMessage, retryMessage } from '../../messages/messageActions';
import { messageMime, previewDocument } from '../../messages/messageRendering';
import {
  findOwnMessage,
  listMessages,
  messageWithTimeline,
  recordComplaint,
} from '../../messages/messageService';
import type { MessageWorkflows } from '../../temporal/messageWorkflows';
import type { WebhookWorkflows } from '../../webhooks/fanOut';
import { acceptEach } from '../batchReply';
import { messageDetailView, messageSummaryView } from '../messageView';
import { requestContext } from '../requestContext';
import { type RouteSpec, route } from '../routeSpec';

export function messageRoutes(
  deps: AcceptanceDeps & { workflows: MessageWorkflows; webhooks: WebhookWorkflows },
): RouteSpec[] {
  const c = deps.collections;
  return [
    route({
      method: 'post',
      path: '/v1/messages',
      operationId: 'sendMessage',
      tag: 'Messages',
      summary: 'Send one message',
      scope: 'send',
      documentedBody: sendMessageSchema,
      responses: {
        202: { description: 'Accepted for delivery (not yet delivered)', schema: acceptedMessageSchema },
      },
      async handler({ req, res, auth }) {
        const result = await acceptMessage(deps, auth, req.body, {
          'idempotency-key': req.get('idempotency-key'),
          'x-idempotency-key': req.get('x-idempotency-key'),
        });
        // The request's log line names the message it accepted.
        const ctx = requestContext(res);
        ctx.log = ctx.log.child({ message_id: result.body.message_id });
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
      operationId: 'sendMessageBatch',
      tag: 'Messages',
      summary: 'Send up to 500 messages; each succeeds or fails on its own',
      scope: 'send',
      body: batchRequestSchema,
      documentedBody: batchDocumentedSchema,
      responses: {
        200: {
          description: 'Per-item results in request order',
          schema: batchAnswerSchema(acceptedMessageSchema),
        },
      },
      async handler({ body, auth }) {
        const data = await acceptEach(body, async (item) => (await acceptMessage(deps, auth, item, {})).body);
        return { status: 200, body: { data } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/messages',
      operationId: 'listMessages',
      tag: 'Messages',
      summary: 'List messages, newest first',
      scope: 'read',
      query: listMessagesQuerySchema,
      responses: { 200: { description: 'One page of messages', schema: messageListSchema } },
      async handler({ query, auth }) {
        const page = await listMessages(c, auth.projectId, query);
        return { body: pageBody(page, messageSummaryView) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/messages/:id',
      operationId: 'getMessage',
      tag: 'Messages',
      summary: 'A message with its status and timeline',
      scope: 'read',
      responses: { 200: { description: 'The message', schema: messageDetailSchema } },
      async handler({ params, auth }) {
        const { message, events } = await messageWithTimeline(c, auth.projectId, params.id);
        return { body: messageDetailView(message, events) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/messages/:id/preview',
      operationId: 'previewMessage',
      tag: 'Messages',
      summary:
        'The message as a reader sees it: its HTML (or text) as a sandboxed document, scripts off, remote images only on request',
      scope: 'read',
      query: previewQuerySchema,
      responses: {
        200: { description: 'An HTML document', contentType: 'text/html', schema: z.string() },
      },
      async handler({ params, auth, query, res }) {
        const message = await findOwnMessage(c, auth.projectId, params.id);
        const html = await previewDocument(c, message);
        // Whatever the sender wrote runs nowhere: a sandboxed, script-less, opaque origin that
        // may load images only when asked to, and tells no remote server where it was opened.
        const images = query.images === 'true' ? 'data: cid: https: http:' : 'data: cid:';
        res.setHeader(
          'Content-Security-Policy',
          `sandbox; default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src ${images}; frame-ancestors 'self'`,
        );
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Referrer-Policy', 'no-referrer');
        res.setHeader('Cache-Control', 'no-store');
        res.status(200).type('text/html; charset=utf-8').send(html);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/v1/messages/:id/mime',
      operationId: 'downloadMessageMime',
      tag: 'Messages',
      summary:
        'The raw MIME: what a test-mode send captured, what a relay client submitted, or the message composed from its content (without its per-attempt DKIM signature)',
      scope: 'read',
      responses: {
        200: { description: 'message/rfc822', contentType: 'message/rfc822', schema: z.string() },
      },
      async handler({ params, auth, res }) {
        const message = await findOwnMessage(c, auth.projectId, params.id);
        const mime = await messageMime(c, message);
        res.setHeader('Content-Disposition', `attachment; filename="${message._id}.eml"`);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.status(200).type('message/rfc822').send(mime);
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/v1/messages/:id/complaint',
      operationId: 'reportComplaint',
      tag: 'Messages',
      summary:
        'Record a spam complaint (feedback loop): the message becomes complained and the recipient suppressed',
      scope: 'admin',
      responses: { 200: { description: 'The message after the complaint', schema: messageDetailSchema } },
      async handler({ params, auth }) {
        await recordComplaint(c, deps.webhooks, auth.projectId, params.id);
        const { message, events } = await messageWithTimeline(c, auth.projectId, params.id);
        return { body: messageDetailView(message, events) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/messages/:id',
      operationId: 'cancelMessage',
      tag: 'Messages',
      summary: 'Cancel a scheduled, queued, deferred or unknown-outcome message',
      scope: 'send',
      responses: {
        200: { description: 'Cancelled', schema: cancelledSchema },
        202: {
          description: 'Cancellation requested; the worker has not confirmed it yet',
          schema: cancelledSchema,
        },
      },
      async handler({ params, auth }) {
        const status = await cancelMessage(c, deps.workflows, auth.projectId, params.id);
        return { status: status === 'cancelled' ? 200 : 202, body: { message_id: params.id, status } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/messages/:id/retry',
      operationId: 'retryMessage',
      tag: 'Messages',
      summary: 'End the wait of a deferred (or scheduled) message and attempt now (answered by its workflow)',
      scope: 'send',
      responses: { 200: { description: 'The next attempt has started', schema: retryAnswerSchema } },
      async handler({ params, auth }) {
        return { body: await retryMessage(c, deps.workflows, auth.projectId, params.id) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/messages/:id/reroute',
      operationId: 'rerouteMessage',
      tag: 'Messages',
      summary: "Send the message's next attempts through another route (answered by its workflow)",
      scope: 'send',
      body: rerouteRequestSchema,
      responses: { 200: { description: 'Rerouted', schema: rerouteAnswerSchema } },
      async handler({ params, auth, body }) {
        return { body: await rerouteMessage(c, deps.workflows, auth.projectId, params.id, body.route) };
      },
    }),
  ];
}
