import { z } from 'zod';
import { REENCRYPTION_TARGETS } from './reencryption';

export const OPERATION_ID_PATTERN = /^op_[A-Za-z0-9]{8,40}$/;

/** Path of GET /v1/operations/{id}. */
export const operationParamsSchema = z.object({
  id: z.string().regex(OPERATION_ID_PATTERN, 'must be an operation id (op_…)'),
});

/** Body of POST /v1/operations/reencrypt. */
export const reencryptionRequestSchema = z
  .object({
    batch_size: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(200)
      .describe('Documents or files rewritten per step; each step is one activity in the workflow history'),
  })
  .strict()
  .meta({ id: 'StartReencryptionRequest' });

/** Body of POST /v1/operations/redrive. */
export const redriveRequestSchema = z
  .object({
    filter: z
      .object({
        status: z.enum(['deferred', 'unknown', 'scheduled']).default('deferred'),
        recipient_domain: z.string().min(1).max(253).optional(),
        route: z.string().min(1).max(100).optional().describe('The route of the last attempt'),
        created_after: z.iso.datetime({ offset: true }).optional(),
        created_before: z.iso.datetime({ offset: true }).optional(),
      })
      .strict()
      .default({ status: 'deferred' }),
    rate_per_second: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe('Messages pushed per second at most'),
  })
  .strict()
  .meta({ id: 'StartRedriveRequest' });

const counts = z.partialRecord(z.enum(REENCRYPTION_TARGETS), z.number().int());

const reencryptionProgress = z.object({
  target: z.enum(REENCRYPTION_TARGETS).nullable().describe('What is being rewritten now; null when done'),
  rewritten: counts,
  batches: z.number().int(),
});

const reencryptionResult = z.object({
  current_key: z.string(),
  rewritten: counts,
  retired_keys: z.array(z.string()),
  remaining: z.array(z.enum(REENCRYPTION_TARGETS)),
});

/** A re-drive's progress and result: what matched the filter and what its workflows did. */
const redriveCounts = z.object({
  matched: z.number().int(),
  retried: z.number().int(),
  refused: z.number().int().describe('Messages whose workflow refused: being sent at that moment, or ended'),
});

/** An operation and where its workflow stands. */
export const operationSchema = z
  .object({
    id: z.string(),
    type: z.enum(['reencrypt', 'redrive']),
    status: z.enum(['running', 'completed', 'failed', 'cancelled', 'terminated']),
    created_at: z.string(),
    workflow_id: z.string().describe('The workflow in the Temporal UI'),
    progress: z.union([reencryptionProgress, redriveCounts]).nullable(),
    result: z.union([reencryptionResult, redriveCounts]).nullable(),
  })
  .meta({ id: 'Operation' });

export type ReencryptionRequest = z.infer<typeof reencryptionRequestSchema>;
export type RedriveRequest = z.infer<typeof redriveRequestSchema>;
export type Operation = z.infer<typeof operationSchema>;
