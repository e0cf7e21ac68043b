import { z } from 'zod';
import { domainName } from './apiKeySchemas';
import { checkedString } from './checkedString';
import { SEMANTIC_CHECK } from './serviceError';
import { MESSAGE_TYPES, PRIORITIES } from './statuses';

export const TLS_MODES = ['opportunistic', 'required', 'none', 'implicit'] as const;
/** `relay`: a smarthost at `url`; `mx`: the recipient domain's own mail servers (direct delivery). */
export const ROUTE_TYPES = ['relay', 'mx'] as const;

const routeFields = {
  type: z.enum(ROUTE_TYPES).default('relay'),
  url: checkedString(
    /^smtps?:\/\/\S+$/,
    'must be smtp://[user:pass@]host[:port] or smtps://…',
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    z.string().max(2000),
  ).optional(),
  tls: z.enum(TLS_MODES).default('opportunistic'),
  ip_pool: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/)
    .optional()
    .describe('Name of an IP pool (SENDFLOW_IP_POOLS) whose addresses the route sends from'),
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

/** A relay needs its URL; direct delivery has none (it looks the MX hosts up). */
function urlMatchesType(route: { type: (typeof ROUTE_TYPES)[number]; url?: string }, ctx: z.RefinementCtx) {
  if (route.type === 'relay' && !route.url)
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'a relay route needs a url', ...SEMANTIC_CHECK });
  if (route.type === 'mx' && route.url)
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'an mx route has no url', ...SEMANTIC_CHECK });
}

/** A named route: messages matching it go there first; the default route comes last. */
export const createRouteSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case slug'),
    ...routeFields,
  })
  .strict()
  .superRefine(urlMatchesType);

export const updateRouteSchema = z.object(routeFields).strict().superRefine(urlMatchesType);

export const routeViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(ROUTE_TYPES),
  url: z.string().nullable().describe('Password masked; null for mx routes'),
  tls: z.enum(TLS_MODES),
  ip_pool: z.string().nullable(),
  pool_size: z.number(),
  position: z.number(),
  match: z.object({
    recipient_domains: z.array(z.string()).optional(),
    message_types: z.array(z.string()).optional(),
    priorities: z.array(z.string()).optional(),
  }),
  created_at: z.string(),
});
