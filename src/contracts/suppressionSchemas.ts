import { z } from 'zod';
import { ADDRESS_PATTERN, isAddress } from '../messages/address';
import { pageQueryFields } from './page';
import { SEMANTIC_CHECK } from './serviceError';
import { SUPPRESSION_REASONS } from './statuses';

export const createSuppressionSchema = z
  .object({
    recipient: z
      .string()
      .trim()
      .max(254)
      .regex(ADDRESS_PATTERN, { message: 'must be an email address', abort: true })
      .refine(isAddress, { message: 'must be an email address', ...SEMANTIC_CHECK }),
    reason: z.enum(SUPPRESSION_REASONS).default('manual'),
  })
  .strict();

export const suppressionViewSchema = z.object({
  recipient: z.string(),
  reason: z.enum(SUPPRESSION_REASONS),
  source_message_id: z.string().nullable(),
  created_at: z.string(),
});

export const listSuppressionsQuerySchema = z
  .object({
    reason: z.enum(SUPPRESSION_REASONS).optional(),
    ...pageQueryFields(25),
  })
  .strict();
