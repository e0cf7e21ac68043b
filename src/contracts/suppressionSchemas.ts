import { z } from 'zod';
import { ADDRESS_PATTERN, isAddress } from '../messages/address';
import { checkedString } from './checkedString';
import { pageQueryFields } from './page';
import { SUPPRESSION_REASONS } from './statuses';

export const createSuppressionSchema = z
  .object({
    recipient: checkedString(
      ADDRESS_PATTERN,
      'must be an email address',
      isAddress,
      z.string().trim().max(254),
    ),
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
