import { z } from 'zod';
import { domainName } from './apiKeySchemas';

export const createDomainSchema = z
  .object({
    name: domainName,
    default_from_name: z
      .string()
      .min(1)
      .max(100)
      .refine((v) => !/[\r\n"<>]/.test(v), 'must not contain CR, LF, quotes or angle brackets')
      .optional(),
  })
  .strict();

export const dnsRecordSchema = z.object({
  purpose: z.enum(['verification', 'dkim']),
  type: z.literal('TXT'),
  name: z.string(),
  value: z.string(),
});

export const domainViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['pending', 'verified']),
  default_from_name: z.string().nullable(),
  dkim_selector: z.string(),
  records: z.array(dnsRecordSchema),
  verified_at: z.string().nullable(),
  last_check: z
    .object({
      at: z.string(),
      verification_txt: z.boolean(),
      dkim_txt: z.boolean(),
      error: z.string().optional(),
    })
    .nullable(),
  created_at: z.string(),
});
