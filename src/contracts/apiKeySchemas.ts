import { z } from 'zod';
import { SEMANTIC_CHECK } from './serviceError';

export const SCOPES = ['send', 'read', 'admin'] as const;

const domainName = z
  .string()
  .toLowerCase()
  .regex(
    /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain name like mail.example.com',
  );

/** Key types of the email-API dialect, as our scopes: `send_only` sends, `full` also reads. */
export const KEY_TYPE_SCOPES = { send_only: ['send'], full: ['send', 'read'] } as const;

export const createApiKeySchema = z
  .object({
    name: z.string().min(1).max(100),
    scopes: z.array(z.enum(SCOPES)).min(1).max(3).optional(),
    type: z.enum(['send_only', 'full']).optional(),
    domains: z.array(domainName).max(100).optional(),
    /** Defaults to the creating key's mode: a test key creates test keys. */
    test_mode: z.boolean().optional(),
    rate_limit_per_minute: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()
  .refine((k) => (k.scopes === undefined) !== (k.type === undefined), {
    message: 'give scopes, or a key type (send_only or full), not both',
    path: ['scopes'],
    ...SEMANTIC_CHECK,
  });

export const apiKeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  domains: z.array(z.string()).nullable(),
  test_mode: z.boolean(),
  rate_limit_per_minute: z.number(),
  created_at: z.string(),
});

export const createdApiKeySchema = apiKeyViewSchema.extend({
  secret: z.string().describe('Shown once; only a hash is stored'),
});

export { domainName };
