import { z } from 'zod';
import { MAILBOX_PATTERN } from '../../messages/address';
import { pageQueryFields } from '../page';

const sendexEmailFields = z.object({
  from: z.string().min(1),
  to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(50)]),
  subject: z.string().min(1),
  text: z.string().min(1).optional(),
  html: z.string().min(1).optional(),
  reply_to: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
const textOrHtml = (b: { text?: string; html?: string }) => b.text !== undefined || b.html !== undefined;

/**
 * Body of POST /api/v1/emails (the email-API dialect); `to` is one address or a list. Checked
 * in two steps as that API does: this shape first, then each address on its own.
 */
export const sendexEmailSchema = sendexEmailFields.refine(textOrHtml, {
  path: ['text'],
  message: 'text or html',
});

const mailbox = z.string().max(998).regex(MAILBOX_PATTERN);
/** The same body as the API description states it, addresses included. */
export const sendexEmailDocSchema = sendexEmailFields
  .extend({
    from: mailbox,
    to: z.union([mailbox, z.array(mailbox).min(1).max(50)]),
    reply_to: mailbox.optional(),
  })
  .meta({ anyOf: [{ required: ['text'] }, { required: ['html'] }] });
export type SendexEmail = z.infer<typeof sendexEmailSchema>;

export const SENDEX_REQUIRED_MESSAGE = 'from, to, subject, and text or html are required.';

export const sendexAcceptedSchema = z.object({
  id: z.string().describe('the first recipient’s message'),
  ids: z.array(z.string()).describe('one message per recipient, in the order of `to`'),
  status: z.literal('queued'),
});

export const sendexEmailViewSchema = z.object({
  id: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  status: z.string(),
  created_at: z.string(),
  last_event: z.string().nullable(),
});

export const sendexListQuerySchema = z.object({ ...pageQueryFields(25) }).strict();

/** Webhook event names of this dialect, and which of our events each stands for. */
export const SENDEX_EVENTS = [
  'email.sent',
  'email.failed',
  'email.delivered',
  'email.bounced',
  'email.complained',
] as const;
export type SendexEvent = (typeof SENDEX_EVENTS)[number];
