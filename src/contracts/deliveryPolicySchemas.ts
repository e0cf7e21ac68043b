import { z } from 'zod';
import { parseRetrySchedule } from '../delivery/retrySchedule';
import { domainName } from './apiKeySchemas';
import { checkedString } from './checkedString';

const duration = checkedString(
  /^\d{1,9}(?:\.\d{1,3})?(?:ms|s|m|h|d)$/,
  'must be a duration like 30s, 5m or 2h, longer than zero',
  (v) => {
    try {
      parseRetrySchedule(v);
      return true;
    } catch {
      return false;
    }
  },
);

export const pacingLimitSchema = z
  .object({
    per_second: z.number().int().min(1).max(10_000).optional(),
    concurrent: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .refine(
    (l) => l.per_second !== undefined || l.concurrent !== undefined,
    'give per_second, concurrent or both',
  )
  .meta({ anyOf: [{ required: ['per_second'] }, { required: ['concurrent'] }] });

/** PUT /v1/delivery-policy: replaces the project's policy; applies to messages accepted afterwards. */
export const deliveryPolicySchema = z
  .object({
    retry_schedule: z.array(duration).min(1).max(20),
    pacing: z.record(domainName, pacingLimitSchema).default({}),
    ip_pool: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/)
      .optional()
      .describe('IP pool (SENDFLOW_IP_POOLS) the project sends from unless its route names one'),
  })
  .strict();

export type DeliveryPolicy = z.infer<typeof deliveryPolicySchema>;

export const deliveryPolicyViewSchema = deliveryPolicySchema.extend({
  ip_pool: z.string().nullable(),
  max_attempts: z.number(),
  source: z.enum(['default', 'project']),
  updated_at: z.string().nullable(),
});
