import { z } from 'zod';
import { ADDRESS_PATTERN } from '../messages/address';

/** Path of DELETE /v1/recipients/{address}. */
export const erasureParamsSchema = z.object({
  address: z.string().max(254).regex(ADDRESS_PATTERN, 'must be an email address'),
});

/** Answer of DELETE /v1/recipients/{address}: what the erasure touched. */
export const erasureReportSchema = z
  .object({
    recipient: z.string().describe('The keyed hash that now stands for the address (erased:…)'),
    messages: z.number().int(),
    events: z.number().int(),
    files: z.number().int().describe('Stored attachments and MIME files deleted'),
    test_deliveries: z.number().int(),
    inbound_reports: z.number().int(),
    suppression_kept: z.boolean().describe('The address stays suppressed, under its hash'),
  })
  .meta({ id: 'ErasureReport' });
