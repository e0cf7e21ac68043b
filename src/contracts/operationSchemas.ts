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

const counts = z.partialRecord(z.enum(REENCRYPTION_TARGETS), z.number().int());

/** An operation and where its workflow stands. */
export const operationSchema = z
  .object({
    id: z.string(),
    type: z.enum(['reencrypt']),
    status: z.enum(['running', 'completed', 'failed', 'cancelled', 'terminated']),
    created_at: z.string(),
    workflow_id: z.string().describe('The workflow in the Temporal UI'),
    progress: z
      .object({
        target: z
          .enum(REENCRYPTION_TARGETS)
          .nullable()
          .describe('What is being rewritten now; null when done'),
        rewritten: counts,
        batches: z.number().int(),
      })
      .nullable(),
    result: z
      .object({
        current_key: z.string(),
        rewritten: counts,
        retired_keys: z.array(z.string()),
        remaining: z.array(z.enum(REENCRYPTION_TARGETS)),
      })
      .nullable(),
  })
  .meta({ id: 'Operation' });

export type ReencryptionRequest = z.infer<typeof reencryptionRequestSchema>;
export type Operation = z.infer<typeof operationSchema>;
