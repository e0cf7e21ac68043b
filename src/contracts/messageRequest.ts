import { z } from 'zod';
import { MAILBOX_PATTERN, parseMailbox } from '../messages/address';
import { checkedString } from './checkedString';
import { MESSAGE_TYPES, PRIORITIES } from './statuses';

// Headers the engine owns: letting callers set them would break threading, auth or MIME.
const FORBIDDEN_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'return-path',
  'received',
  'dkim-signature',
  'sender',
  'reply-to',
]);
// Headers that would re-route the mail (Resent-*), claim authentication results it never had
// (Authentication-Results, ARC-*, Received-SPF, DKIM-*) or change its MIME structure (Content-*).
const FORBIDDEN_HEADER_PREFIXES = ['resent-', 'content-', 'arc-', 'dkim-'];
const FORBIDDEN_TRUST_HEADERS = new Set(['authentication-results', 'received-spf', 'x-sendflow-message-id']);
const HEADER_NAME = /^[!-9;-~]+$/;
const MAX_TEMPLATE_DATA_DEPTH = 32;

/** Nesting depth of a JSON value, counted without recursion (a hostile depth cannot overflow). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_TEMPLATE_DATA_DEPTH) return deepest;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

// Whole base64 quantums only: a stray character or a lone `A` is not an attachment.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export const IDEMPOTENCY_HEADER_IN_BODY = 'x-idempotency-key';

const mailbox = (what: string) =>
  checkedString(
    MAILBOX_PATTERN,
    `must be a valid email address or "Name" <${what}>`,
    (v) => parseMailbox(v) !== null,
    z.string().max(998),
  );

const headersSchema = z.record(z.string(), z.string().max(998)).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > 50) ctx.addIssue({ code: 'custom', message: 'at most 50 custom headers' });
  for (const name of names) {
    if (!HEADER_NAME.test(name))
      ctx.addIssue({ code: 'custom', path: [name], message: 'invalid header name' });
    else if (FORBIDDEN_HEADERS.has(name.toLowerCase()))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `header "${name}" is set by Sendflow and cannot be overridden`,
      });
    else if (
      FORBIDDEN_TRUST_HEADERS.has(name.toLowerCase()) ||
      FORBIDDEN_HEADER_PREFIXES.some((p) => name.toLowerCase().startsWith(p))
    )
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `header "${name}" would change routing, authentication results or MIME structure`,
      });
    if (/[\r\n]/.test(headers[name]))
      ctx.addIssue({ code: 'custom', path: [name], message: 'header values must not contain CR or LF' });
  }
});

export const attachmentSchema = z.object({
  filename: z
    .string()
    .min(1)
    .max(255)
    .refine(
      (v) =>
        ![...v].some(
          (ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === '/' || ch === '\\',
        ),
      'must be a plain file name (no control characters or slashes)',
    ),
  content: z
    .string()
    .min(1)
    .refine((v) => {
      const compact = v.replace(/\s+/g, '');
      return compact.length > 0 && BASE64.test(compact);
    }, 'must be base64 of at least one byte'),
  content_type: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like application/pdf')
    .default('application/octet-stream'),
});

/** Body of POST /v1/messages (docs/http-contract.md, "Messages"). */
export const sendMessageSchema = z
  .object({
    /** Optional when the project has a default sender (`default_from`). */
    from: mailbox('no-reply@example.com').optional(),
    recipient: mailbox('user@example.com').optional(),
    to: mailbox('user@example.com').optional(),
    subject: z
      .string()
      .min(1)
      .max(998)
      .refine((v) => !/[\r\n]/.test(v), 'must not contain CR or LF')
      .optional(),
    html: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
    template: z.string().min(1).max(200).optional(),
    template_data: z
      .record(z.string(), z.unknown())
      .refine(
        (d) => depthOf(d) <= MAX_TEMPLATE_DATA_DEPTH,
        `nested at most ${MAX_TEMPLATE_DATA_DEPTH} levels deep`,
      )
      .optional(),
    reply_to: mailbox('reply@example.com').optional(),
    headers: headersSchema.optional(),
    attachments: z.array(attachmentSchema).max(100).optional(),
    message_type: z.enum(MESSAGE_TYPES).default('transactional'),
    priority: z.enum(PRIORITIES).default('normal'),
    scheduled_time: z.iso.datetime({ offset: true }).optional(),
    tags: z.array(z.string().min(1).max(100)).max(20).default([]),
    metadata: z.record(z.string().max(100), z.string().max(2000)).default({}),
    idempotency_key: z.string().min(1).max(256).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.recipient && !m.to) ctx.addIssue({ code: 'custom', path: ['recipient'], message: 'required' });
    if (m.recipient && m.to && m.recipient !== m.to)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'give either recipient or its alias to, not both',
      });
    if (!m.template && !m.html && !m.text)
      ctx.addIssue({
        code: 'custom',
        path: ['html'],
        message: 'html or text is required unless template is given',
      });
    if (!m.template && !m.subject)
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'required unless template is given' });
    if (m.template && (m.html || m.text))
      ctx.addIssue({
        code: 'custom',
        path: ['template'],
        message: 'give either template or html/text, not both',
      });
    if (m.template_data && !m.template)
      ctx.addIssue({
        code: 'custom',
        path: ['template_data'],
        message: 'only allowed together with template',
      });
  })
  // The rules above, as JSON Schema says them: a recipient, and a template or a subject with
  // html or text; a template excludes html and text, template_data needs a template.
  .meta({
    id: 'SendMessageRequest',
    allOf: [
      { anyOf: [{ required: ['recipient'] }, { required: ['to'] }] },
      {
        anyOf: [
          { required: ['template'], not: { anyOf: [{ required: ['html'] }, { required: ['text'] }] } },
          {
            required: ['subject'],
            anyOf: [{ required: ['html'] }, { required: ['text'] }],
            not: { anyOf: [{ required: ['template'] }, { required: ['template_data'] }] },
          },
        ],
      },
    ],
  });

export type SendMessageRequest = z.infer<typeof sendMessageSchema>;

/** 202 body of POST /v1/messages. */
export const acceptedMessageSchema = z.object({
  message_id: z.string(),
  status: z.enum(['queued', 'scheduled']),
  recipient: z.string(),
  created_at: z.string(),
  scheduled_time: z.string().optional(),
});
export type AcceptedMessage = z.infer<typeof acceptedMessageSchema>;

export const MAX_BATCH = 500;

/** Body of POST /v1/messages/batch: each item is validated on its own. */
export const batchRequestSchema = z
  .array(z.unknown())
  .min(1, 'send at least one message')
  .max(MAX_BATCH, `at most ${MAX_BATCH} messages per batch`);

export const batchDocumentedSchema = z.array(sendMessageSchema).min(1).max(MAX_BATCH);

/** One refused item of a batch answer: its HTTP status and the error body of a single send. */
export const batchItemErrorSchema = z.object({
  status: z.number().int(),
  error: z.string(),
  message: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** The answer of a batch: each item's own result, in request order. */
export function batchAnswerSchema<T extends z.ZodObject>(accepted: T) {
  return z.object({
    data: z.array(
      z.union([
        accepted.extend({ status: z.literal(202), message_status: z.string() }),
        batchItemErrorSchema,
      ]),
    ),
  });
}
