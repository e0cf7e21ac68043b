import { z } from 'zod';
import { domainName } from './apiKeySchemas';
import { MESSAGE_TYPES, PRIORITIES } from './statuses';

export const TLS_MODES = ['opportunistic', 'required', 'none', 'implicit'] as const;

const routeFields = {
  url: z
    .string()
    .max(2000)
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
      } catch {
        return false;
      }
    }, 'must be smtp://[user:pass@]host[:port] or smtps://…'),
  tls: z.enum(TLS_MODES).default('opportunistic'),
  pool_size: z.number().int().min(1).max(50).default(5),
  position: z.number().int().min(0).max(10_000).default(100),
  match: z
    .object({
      recipient_domains: z.array(domainName).max(500).optional(),
      message_types: z.array(z.enum(MESSAGE_TYPES)).optional(),
      priorities: z.array(z.enum(PRIORITIES)).optional(),
    })
    .strict()
    .default({}),
};

/** A named relay: messages matching it go there first; the default route (SMTP_URL) comes last. */
export const createRouteSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case slug'),
    ...routeFields,
  })
  .strict();

export const updateRouteSchema = z.object(routeFields).strict();

export const routeViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string().describe('Password masked'),
  tls: z.enum(TLS_MODES),
  pool_size: z.number(),
  position: z.number(),
  match: z.object({
    recipient_domains: z.array(z.string()).optional(),
    message_types: z.array(z.string()).optional(),
    priorities: z.array(z.string()).optional(),
  }),
  created_at: z.string(),
});
