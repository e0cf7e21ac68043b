import { findProject } from '../../accounts/projects';
import { effectivePlan, quotaUse } from '../../accounts/sendingPlan';
import {
  teamRestAcceptedSchema,
  teamRestSendDocSchema,
  teamRestSendSchema,
} from '../../contracts/dialects/teamRestSend';
import { ServiceError } from '../../contracts/serviceError';
import { formatMailbox, isAddress } from '../../messages/address';
import { type AcceptanceDeps, acceptMessage } from '../../messages/messageAcceptance';
import { personalise } from '../../templates/personalise';
import { type RouteSpec, route } from '../routeSpec';

// The exact messages of the dialect's error table.
const ADDON_INACTIVE =
  'Transactional email add-on is not active. Please activate it first at https://app.sendx.io/setting/addons.';

function refuse(message: string): never {
  throw new ServiceError('bad_request', message);
}

function limitExceeded(message: string): never {
  throw new ServiceError('quota_exceeded', message);
}

/** `from.email`'s problem in the dialect's words, or null when it is a usable address. */
function fromProblem(email: string | undefined): string | null {
  if (!email) return 'from email is required';
  const at = email.lastIndexOf('@');
  if (at <= 0 || /\s/.test(email)) return 'from email must be a valid email address';
  const domain = email.slice(at + 1);
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i.test(domain)) return 'invalid from email domain';
  if (!isAddress(email)) return 'from email must be a valid email address';
  return null;
}

/**
 * The team-key REST dialect: `X-Team-ApiKey`, one message per entry of `to`, each copy
 * personalised with its recipient's `name`, `email` and `customFields`. Checks run in the
 * order of its error table, and every recipient is checked before any is queued.
 */
export function teamRestSendRoutes(deps: AcceptanceDeps): RouteSpec[] {
  const c = deps.collections;
  return [
    route({
      method: 'post',
      path: '/api/v1/rest/send/email',
      operationId: 'teamRestSendEmail',
      tag: 'Compatibility: team REST send',
      summary: 'Send an email to a list of recipients, personalised per recipient',
      scope: 'send',
      documentedBody: teamRestSendDocSchema,
      responses: { 202: { description: 'Queued for delivery', schema: teamRestAcceptedSchema } },
      async handler({ req, auth }) {
        const parsed = teamRestSendSchema.safeParse(req.body);
        if (!parsed.success) throw new ServiceError('validation_failed', 'invalid request body');
        const mail = parsed.data;
        const to = mail.to ?? [];
        if (to.length === 0) refuse('no recipients specified');
        const problem = fromProblem(mail.from?.email);
        if (problem) refuse(problem);
        const project = await findProject(c, auth.projectId);
        const plan = effectivePlan(project);
        if (!plan.transactional_enabled) refuse(ADDON_INACTIVE);
        if (to.some((r) => !r.email || !isAddress(r.email)))
          refuse('Invalid recipient email address: invalid email format');
        if (plan.contact_limit !== null && to.length > plan.contact_limit)
          limitExceeded(
            `Contact limit exceeded. Current api has ${to.length} contacts, but only ${plan.contact_limit} emails can be sent.`,
          );
        const { remaining } = await quotaUse(c, auth.projectId, plan, new Date());
        if (remaining === 0) limitExceeded('Account email sending limit exceeded. Please upgrade your plan.');
        if (remaining !== null && to.length > remaining)
          limitExceeded(
            `Account email sending limit exceeded. Current api has ${to.length} contacts, but only ${remaining} emails can be sent.`,
          );

        const from = formatMailbox({ address: mail.from?.email as string, name: mail.from?.name });
        const headers = { ...mail.headers };
        const listUnsubscribe = req.get('list-unsubscribe');
        if (listUnsubscribe) headers['List-Unsubscribe'] = listUnsubscribe;
        // A mock send runs as a test key's would: captured, never delivered.
        const sender = req.get('x-sendpost-mock-email') === 'true' ? { ...auth, testMode: true } : auth;
        for (const recipient of to) {
          const copy = personalise(
            { subject: mail.subject, html: mail.htmlBody, text: mail.textBody || undefined },
            { name: recipient.name ?? '', email: recipient.email, ...recipient.customFields },
          );
          await acceptMessage(
            deps,
            sender,
            {
              from,
              recipient: formatMailbox({ address: recipient.email as string, name: recipient.name }),
              ...copy,
              ...(mail.replyTo?.email ? { reply_to: mail.replyTo.email } : {}),
              ...(Object.keys(headers).length ? { headers } : {}),
            },
            {},
          );
        }
        return { status: 202, body: { status: 'success', message: 'Email queued for delivery' } };
      },
    }),
  ];
}
