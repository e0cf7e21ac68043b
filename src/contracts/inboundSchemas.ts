import { z } from 'zod';
import { pageOf, pageQueryFields } from './page';

export const inboundReportSchema = z.object({
  id: z.string(),
  kind: z.enum(['bounce', 'delay', 'complaint', 'auto_reply', 'forged', 'unrecognized']),
  applied: z
    .enum(['bounced', 'complained'])
    .nullable()
    .describe('The status the report gave its message, if any'),
  message_id: z.string().nullable(),
  recipient: z.string().nullable(),
  status_code: z.string().nullable(),
  diagnostic: z.string().nullable(),
  subject: z.string().nullable(),
  envelope_from: z.string(),
  created_at: z.string(),
});

export const listInboundQuerySchema = z.object(pageQueryFields(25)).strict();
export const inboundListSchema = pageOf(inboundReportSchema);
