import { z } from 'zod';
import { MAILBOX_PATTERN, parseMailbox } from '../messages/address';
import { checkedString } from './checkedString';
import { SEMANTIC_CHECK } from './serviceError';

export const analyticsQuerySchema = z
  .object({
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Start of the range (ISO 8601); default 7 days before until'),
    until: z.iso.datetime({ offset: true }).optional().describe('End of the range; default now'),
    bucket: z.enum(['hour', 'day']).default('day'),
  })
  .strict()
  .refine((q) => !q.until || !q.since || Date.parse(q.until) > Date.parse(q.since), {
    path: ['until'],
    message: 'must be after since',
    ...SEMANTIC_CHECK,
  })
  .refine(
    (q) =>
      !q.since || Date.parse(q.until ?? new Date().toISOString()) - Date.parse(q.since) <= 93 * 86_400_000,
    {
      path: ['since'],
      message: 'the range may span at most 93 days',
      ...SEMANTIC_CHECK,
    },
  );

const counts = z.record(z.string(), z.number());

export const analyticsSchema = z.object({
  since: z.string(),
  until: z.string(),
  bucket: z.enum(['hour', 'day']),
  totals: counts.describe('Events per type in the range, e.g. {"email.delivered": 120}'),
  rates: z.object({
    sent: z.number().describe('Messages that entered SMTP delivery (email.accepted)'),
    delivery_rate: z.number().nullable(),
    bounce_rate: z.number().nullable(),
    complaint_rate: z.number().nullable(),
  }),
  series: z.array(z.object({ start: z.string(), counts })),
});

const quotaSchema = z.object({ quota: z.number(), used: z.number() }).nullable();

export const accountSchema = z.object({
  project_id: z.string(),
  status: z.enum(['active', 'suspended']),
  suspended_reason: z.string().nullable(),
  suspended_at: z.string().nullable(),
  default_from: z.string().nullable(),
  data_retention: z.object({
    content_retention_days: z.number().int(),
    metadata_retention_days: z.number().int(),
    store_content: z.boolean(),
  }),
  plan: z.object({
    tier: z.enum(['new', 'trusted']),
    rate_limit_per_minute: z.number(),
    daily_guideline: z.number(),
    daily_quota: quotaSchema,
    monthly_quota: quotaSchema,
    contact_limit: z.number().nullable(),
    transactional_enabled: z.boolean(),
    sent_today: z.number(),
    review: z.object({ flagged_at: z.string(), reason: z.string() }).nullable(),
  }),
  reputation: z.object({
    window_days: z.number(),
    sent: z.number(),
    bounced: z.number(),
    complained: z.number(),
    bounce_rate: z.number().nullable(),
    threshold: z.number(),
    minimum_sent: z.number(),
  }),
});

export const accountSettingsSchema = z
  .object({
    bounce_rate_threshold: z.number().min(0.001).max(1).optional(),
    /** Sender for sends that name none; its domain must be a verified sender domain. */
    default_from: checkedString(
      MAILBOX_PATTERN,
      'must be a valid email address or "Name" <address>',
      (v) => parseMailbox(v) !== null,
      z.string().max(998),
    )
      .nullable()
      .optional(),
    content_retention_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('Days bodies, attachments and MIME of final messages are kept (default 30)'),
    metadata_retention_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe(
        'Days final messages, their events and webhook deliveries are kept (default 90); not less than content',
      ),
    store_content: z
      .boolean()
      .optional()
      .describe('false: content is dropped as soon as a message is final (default true)'),
  })
  .strict();
