import { assertQuotaAllows, effectivePlan } from '../../accounts/sendingPlan';
import {
  SENDEX_REQUIRED_MESSAGE,
  sendexAcceptedSchema,
  sendexEmailDocSchema,
  sendexEmailSchema,
  sendexEmailViewSchema,
  sendexListQuerySchema,
} from '../../contracts/dialects/sendexEmails';
import { pageBody, pageOf } from '../../contracts/page';
import { fieldErrorsOf, ServiceError } from '../../contracts/serviceError';
import type { MessageDoc } from '../../db/documents';
import { normalizeAddress, parseMailbox } from '../../messages/address';
import { type AcceptanceDeps, acceptMessage, checkSender } from '../../messages/messageAcceptance';
import { listMessages, messageWithTimeline } from '../../messages/messageService';
import { displayFrom } from '../messageView';
import { type RouteSpec, route } from '../routeSpec';

function emailView(m: MessageDoc, lastEvent: string | null) {
  return {
    id: m._id,
    from: displayFrom(m),
    to: [m.recipient],
    subject: m.subject,
    status: m.status,
    created_at: m.created_at.toISOString(),
    last_event: lastEvent,
  };
}

/**
 * The email-API dialect (`/api/v1/emails`): one message per address in `to`, on the one message
 * service. Keys of type `send_only` send; listing and reading need a `full` key (read scope).
 * Errors take its `{ error, message }` shape (src/api/dialects/dialectErrors.ts).
 */
export function sendexEmailRoutes(deps: AcceptanceDeps): RouteSpec[] {
  const c = deps.collections;
  return [
    route({
      method: 'post',
      path: '/api/v1/emails',
      operationId: 'sendexSendEmail',
      tag: 'Compatibility: emails endpoint',
      summary: 'Send an email to one address or a list (one message per recipient)',
      scope: 'send',
      documentedBody: sendexEmailDocSchema,
      responses: { 202: { description: 'Queued, not yet sent', schema: sendexAcceptedSchema } },
      async handler({ req, auth }) {
        const parsed = sendexEmailSchema.safeParse(req.body ?? {});
        if (!parsed.success)
          throw new ServiceError('bad_request', SENDEX_REQUIRED_MESSAGE, fieldErrorsOf(parsed.error));
        const email = parsed.data;
        const recipients = Array.isArray(email.to) ? email.to : [email.to];
        for (const to of recipients)
          if (!parseMailbox(to)) throw new ServiceError('bad_request', `${to} is not a valid email address.`);
        const sender = parseMailbox(email.from);
        if (!sender) throw new ServiceError('bad_request', `${email.from} is not a valid email address.`);
        // Sender and quotas are checked for the whole list first: a request is taken whole or not at all.
        const { project } = await checkSender(deps, auth, sender.address);
        await assertQuotaAllows(c, auth.projectId, effectivePlan(project), recipients.length, new Date());
        const key = req.get('idempotency-key');
        const ids: string[] = [];
        for (const to of recipients) {
          const recipient = normalizeAddress((parseMailbox(to) as { address: string }).address);
          const result = await acceptMessage(
            deps,
            auth,
            {
              from: email.from,
              recipient,
              subject: email.subject,
              ...(email.text ? { text: email.text } : {}),
              ...(email.html ? { html: email.html } : {}),
              ...(email.reply_to ? { reply_to: email.reply_to } : {}),
              ...(email.headers ? { headers: email.headers } : {}),
            },
            { 'idempotency-key': key ? `${key}:${recipient}` : undefined },
          );
          ids.push(result.body.message_id);
        }
        return { status: 202, body: { id: ids[0], ids, status: 'queued' } };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/emails',
      operationId: 'sendexListEmails',
      tag: 'Compatibility: emails endpoint',
      summary: 'List emails, newest first (full-access keys)',
      scope: 'read',
      query: sendexListQuerySchema,
      responses: { 200: { description: 'One page', schema: pageOf(sendexEmailViewSchema) } },
      async handler({ query, auth }) {
        const page = await listMessages(c, auth.projectId, query);
        return { body: pageBody(page, (m) => emailView(m, null)) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/emails/:id',
      operationId: 'sendexGetEmail',
      tag: 'Compatibility: emails endpoint',
      summary: 'One email and its latest event (full-access keys)',
      scope: 'read',
      responses: { 200: { description: 'The email', schema: sendexEmailViewSchema } },
      async handler({ params, auth }) {
        const { message, events } = await messageWithTimeline(c, auth.projectId, params.id);
        return { body: emailView(message, events.at(-1)?.type ?? null) };
      },
    }),
  ];
}
