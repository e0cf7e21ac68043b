import { z } from 'zod';
import { pageQueryFields } from '../page';

/** Body of POST /api/v1/emails (the email-API dialect); `to` is one address or a list. */
export const sendexEmailSchema = z
  .object({
    from: z.string().min(1),
    to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(50)]),
    subject: z.string().min(1),
    text: z.string().min(1).optional(),
    html: z.string().min(1).optional(),
    reply_to: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .refine((b) => b.text !== undefined || b.html !== undefined, { path: ['text'], message: 'text or html' });
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
