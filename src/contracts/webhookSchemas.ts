import { z } from 'zod';
import { BOUNCE_CATEGORIES } from './bounceReasons';
import { checkedString } from './checkedString';
import { SENDEX_EVENTS } from './dialects/sendexEmails';
import { SEMANTIC_CHECK } from './serviceError';

export const WEBHOOK_EVENT_TYPES = [
  'email.queued',
  'email.scheduled',
  'email.accepted',
  'email.deferred',
  'email.unknown',
  'email.delivered',
  'email.bounced',
  'email.complained',
  'email.suppressed',
  'email.cancelled',
  'email.failed',
  'account.suspended',
  'account.review_flagged',
  'account.tier_upgraded',
  'webhook.disabled',
] as const;

export const WEBHOOK_FORMATS = ['standard', 'sendex'] as const;

const eventList = z
  .array(z.union([z.enum(WEBHOOK_EVENT_TYPES), z.enum(SENDEX_EVENTS), z.literal('*')]))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length);

/** The event names an endpoint of this format subscribes by. */
export function eventsOfFormat(format: (typeof WEBHOOK_FORMATS)[number]): readonly string[] {
  return format === 'sendex' ? SENDEX_EVENTS : WEBHOOK_EVENT_TYPES;
}

/** Each format subscribes by its own event names. */
function eventsFitFormat(
  w: { events?: string[]; format?: (typeof WEBHOOK_FORMATS)[number] },
  ctx: z.RefinementCtx,
) {
  const names = eventsOfFormat(w.format ?? 'standard');
  for (const [i, e] of (w.events ?? []).entries())
    if (e !== '*' && !names.includes(e))
      ctx.addIssue({
        code: 'custom',
        path: ['events', i],
        message: `not an event of the ${w.format ?? 'standard'} format`,
        ...SEMANTIC_CHECK,
      });
}

const webhookUrl = checkedString(
  /^https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/,
  'must be an http(s) URL without credentials',
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      return false;
    }
  },
  z.string().max(2000),
);

export const createWebhookSchema = z
  .object({
    url: webhookUrl,
    events: eventList.default(['*']),
    /** `sendex` speaks the email-API dialect: its event names, body and X-Sendex-Signature. */
    format: z.enum(WEBHOOK_FORMATS).default('standard'),
    description: z.string().max(500).optional(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine(eventsFitFormat);

export const updateWebhookSchema = z
  .object({
    url: webhookUrl.optional(),
    events: eventList.optional(),
    description: z.string().max(500).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const webhookViewSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  format: z.enum(WEBHOOK_FORMATS),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  failing_since: z.string().nullable(),
  created_at: z.string(),
});

export const webhookWithSecretSchema = webhookViewSchema.extend({
  secret: z.string().describe('whsec_…; shown on creation and rotation only'),
});

export const webhookDeliverySchema = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.array(
    z.object({
      at: z.string(),
      status_code: z.number().nullable(),
      latency_ms: z.number(),
      error: z.string().nullable(),
      response_excerpt: z.string().nullable(),
    }),
  ),
  next_attempt_at: z.string().nullable(),
  created_at: z.string(),
});

export const listEventsQuerySchema = z
  .object({
    message_id: z.string().max(100).optional(),
    type: z.enum(WEBHOOK_EVENT_TYPES).optional(),
    since: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Only events with a sequence number above this'),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z
      .string()
      .regex(/^\d{1,15}$/)
      .optional()
      .describe('next_cursor of the previous page (an event sequence number)'),
  })
  .strict();

const messageEventDataSchema = z.object({
  message_id: z.string(),
  recipient: z.string(),
  status: z.string(),
  attempt: z.number().optional(),
  smtp: z
    .object({
      code: z.number().nullable(),
      enhanced_code: z.string().nullable(),
      response: z.string().nullable(),
    })
    .optional(),
  bounce_type: z.enum(['hard', 'soft']).optional(),
  bounce_category: z.enum(BOUNCE_CATEGORIES).optional(),
  reason: z.string().optional(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
  headers: z.record(z.string(), z.string()),
});

export const eventPayloadSchema = z.object({
  id: z.string(),
  sequence: z.number(),
  event: z.enum(WEBHOOK_EVENT_TYPES),
  created_at: z.string(),
  data: z.union([
    messageEventDataSchema,
    z
      .record(z.string(), z.string())
      .describe('account.suspended: {reason}; webhook.disabled: {webhook_id, url, reason}'),
  ]),
});
export type EventPayload = z.infer<typeof eventPayloadSchema>;
export type MessageEventData = z.infer<typeof messageEventDataSchema>;
