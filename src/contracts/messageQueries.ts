import { z } from 'zod';
import { BOUNCE_CATEGORIES } from './bounceReasons';
import { pageOf, pageQueryFields } from './page';
import { MESSAGE_STATUSES } from './statuses';

export const listMessagesQuerySchema = z
  .object({
    status: z.enum(MESSAGE_STATUSES).optional(),
    recipient: z.string().min(3).max(254).optional(),
    tag: z.string().min(1).max(100).optional(),
    created_after: z.iso.datetime({ offset: true }).optional(),
    created_before: z.iso.datetime({ offset: true }).optional(),
    test: z
      .enum(['true', 'false'])
      .optional()
      .describe('Only messages sent with test-mode keys (true), or only live ones (false)'),
    ...pageQueryFields(25),
  })
  .strict();
export type ListMessagesQuery = z.infer<typeof listMessagesQuerySchema>;

export const smtpViewSchema = z.object({
  code: z.number().nullable(),
  enhanced_code: z.string().nullable(),
  response: z.string().nullable(),
  remote_mta: z.string().nullable(),
  queue_id: z.string().nullable(),
  route: z.string().nullable(),
  /** Direct delivery only: the TLS the transaction ran over; null in clear text or through a relay. */
  tls: z.object({ version: z.string(), cipher: z.string() }).nullable(),
});

export const timelineEventSchema = z.object({
  id: z.string(),
  event: z.string(),
  status: z.enum(MESSAGE_STATUSES),
  created_at: z.string(),
  attempt: z.number().optional(),
  smtp: smtpViewSchema.optional(),
  bounce_type: z.enum(['hard', 'soft']).optional(),
  bounce_category: z.enum(BOUNCE_CATEGORIES).optional(),
  reason: z.string().optional(),
  next_attempt_at: z.string().optional(),
});

export const messageSummarySchema = z.object({
  message_id: z.string(),
  status: z.enum(MESSAGE_STATUSES),
  /** `api` for HTTP sends (every dialect), `smtp` for the SMTP relay. */
  source: z.enum(['api', 'smtp']),
  from: z.string(),
  recipient: z.string(),
  subject: z.string(),
  message_type: z.enum(['transactional', 'marketing']),
  priority: z.enum(['high', 'normal', 'low']),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
  attempts: z.number(),
  last_smtp: smtpViewSchema.nullable(),
  bounce_type: z.enum(['hard', 'soft']).nullable(),
  bounce_category: z.enum(BOUNCE_CATEGORIES).nullable(),
  reason: z.string().nullable(),
  test: z.boolean(),
  scheduled_time: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  delivered_at: z.string().nullable(),
});

export const messageDetailSchema = messageSummarySchema.extend({
  message_id_header: z.string(),
  reply_to: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  html: z.string().nullable(),
  text: z.string().nullable(),
  content_purged_at: z
    .string()
    .nullable()
    .describe('When retention removed the bodies, attachments and MIME (null while they are kept)'),
  attachments: z.array(z.object({ filename: z.string(), content_type: z.string(), size: z.number() })),
  /** The message's delivery workflow, for finding it in the Temporal UI. */
  workflow_id: z.string(),
  events: z.array(timelineEventSchema),
});

export const previewQuerySchema = z
  .object({
    images: z
      .enum(['true', 'false'])
      .optional()
      .describe('Let the preview load remote images (off by default: they tell the sender it was opened)'),
  })
  .strict();

export const messageListSchema = pageOf(messageSummarySchema);

/** Body of POST /v1/messages/{id}/reroute. */
export const rerouteRequestSchema = z
  .object({ route: z.string().min(1).max(100).describe('A route of the project, or "default"') })
  .strict()
  .meta({ id: 'RerouteMessageRequest' });

export const rerouteAnswerSchema = z.object({ message_id: z.string(), route: z.string() });

export const retryAnswerSchema = z.object({
  message_id: z.string(),
  attempt: z.number().int().describe('The attempt that started now'),
});

export const cancelledSchema = z.object({
  message_id: z.string(),
  status: z.enum(['cancelled', 'cancel_requested']),
});
