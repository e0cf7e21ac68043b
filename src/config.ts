import net from 'node:net';
import os from 'node:os';
import { z } from 'zod';
import { parseRetrySchedule } from './delivery/retrySchedule';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const encryptionKey = z
  .string()
  .refine(
    (v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32,
    'must be 32 bytes, base64-encoded',
  );

/** A comma-separated list whose entries keep their case (keys, origins). */
const caseKeptList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

const commaList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );

/** Environment contract (README "Configuration"); every process validates it once at start-up. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URI')
    .default('mongodb://127.0.0.1:27017/sendflow'),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('sendflow'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:1025'),
  /** What messages no route matches use: `mx` (direct delivery) or a relay URL; SMTP_URL if unset. */
  SENDFLOW_DEFAULT_ROUTE: z
    .string()
    .regex(/^(mx|smtps?:\/\/.+)$/, 'must be mx or an smtp:// or smtps:// URL')
    .optional(),
  /** The name given in EHLO on outbound connections. */
  SENDFLOW_EHLO_NAME: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'must be a host name')
    .default(os.hostname()),
  /**
   * IP pools: named sets of local source addresses a route sends from, so transactional and
   * marketing mail keep separate reputations. `transactional=192.0.2.10,192.0.2.11;bulk=192.0.2.20`.
   */
  SENDFLOW_IP_POOLS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const pools: Record<string, string[]> = {};
      for (const entry of value
        .split(';')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const [name, list = ''] = entry.split('=');
        const addresses = list
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean);
        if (
          !/^[a-z0-9][a-z0-9._-]*$/.test(name.trim()) ||
          addresses.some((a) => net.isIP(a) === 0) ||
          !addresses.length
        ) {
          ctx.addIssue({
            code: 'custom',
            message: `"${entry}" is not name=address[,address…] with IP addresses`,
          });
          return z.NEVER;
        }
        pools[name.trim()] = addresses;
      }
      return pools;
    }),
  /** Domain of VERP return paths; its MX points at the inbound listener. Unset: no VERP. */
  SENDFLOW_BOUNCE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i, 'must be a domain name')
    .transform((d) => d.toLowerCase())
    .optional(),
  /** Port of the inbound listener for bounce and complaint reports. */
  SENDFLOW_INBOUND_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  /** Port of recipients' mail servers for direct delivery; only tests change it. */
  SENDFLOW_MX_PORT: z.coerce.number().int().min(1).max(65535).default(25),
  /** SMTP submission server (the relay): STARTTLS on this port. */
  SMTP_RELAY_PORT: z.coerce.number().int().min(0).max(65535).default(2587),
  /** A second relay port speaking TLS from the first byte (implicit TLS); none if unset. */
  SMTP_RELAY_TLS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** PEM files for the relay's TLS; unset, the relay makes a self-signed pair at start (dev only). */
  SMTP_RELAY_TLS_CERT: z.string().min(1).optional(),
  SMTP_RELAY_TLS_KEY: z.string().min(1).optional(),
  /** AUTH without TLS, for clients on this machine only (loopback), for development. */
  SMTP_RELAY_ALLOW_INSECURE_AUTH: booleanFlag,
  SENDFLOW_BOOTSTRAP_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Sender domains the operator vouches for: `domain` (default project), `domain:proj_x`, `domain:*`. */
  SENDFLOW_VERIFIED_DOMAINS: commaList,
  SENDFLOW_VERIFY_MX: booleanFlag,
  /** How far ahead `scheduled_time` may be, in days. */
  SENDFLOW_MAX_SCHEDULE_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  SENDFLOW_RETRY_SCHEDULE: z
    .string()
    .default('30s,5m,30m,2h,5h')
    .transform((value, ctx) => {
      try {
        return parseRetrySchedule(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  SENDFLOW_WEBHOOK_ALLOW_PRIVATE: booleanFlag,
  /**
   * Which proxies in front of the API to believe about the client's address (Express's
   * `trust proxy`: `false`, `true`, a hop count, or addresses/CIDRs such as `loopback,10.0.0.0/8`).
   * Failed-auth limits count by that address.
   */
  SENDFLOW_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string => {
      const t = v.trim();
      if (t === 'true' || t === 'false') return t === 'true';
      return /^\d+$/.test(t) ? Number(t) : t;
    }),
  /** Requests without a valid key one client address may make per minute (guessing keys). */
  SENDFLOW_FAILED_AUTH_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Live event streams one API key may hold open at once, per API process. */
  SENDFLOW_MAX_STREAMS_PER_KEY: z.coerce.number().int().min(1).max(1000).default(10),
  /** Request bodies over 1 MB read and handled at once per API process; more wait (then 503). */
  SENDFLOW_MAX_LARGE_BODIES: z.coerce.number().int().min(1).max(1000).default(4),
  /** Let projects' relay routes reach loopback, private and link-local addresses (operators only). */
  SENDFLOW_ROUTES_ALLOW_PRIVATE: booleanFlag,
  /** AES-256-GCM key (base64 of 32 bytes): Temporal payloads, and content at rest. */
  SENDFLOW_ENCRYPTION_KEY: encryptionKey.optional(),
  /** Previous keys, comma-separated: read with, never written with (key rotation). */
  SENDFLOW_ENCRYPTION_OLD_KEYS: caseKeptList('').pipe(z.array(encryptionKey)),
  /** SendflowRecipient holds a keyed hash of the address instead of the address (README "Data protection"). */
  SENDFLOW_HASH_RECIPIENT_ATTRIBUTE: booleanFlag,
  /** Recipient domains /metrics labels by name; every other domain counts as `other`. */
  SENDFLOW_METRICS_DOMAINS: z
    .string()
    .default(
      'gmail.com,googlemail.com,outlook.com,hotmail.com,live.com,yahoo.com,icloud.com,aol.com,gmx.de,web.de',
    )
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** Where a worker serves its /metrics (host:port; `off` for none). The API serves them at /metrics. */
  SENDFLOW_METRICS_ADDRESS: z.string().default('127.0.0.1:9464'),
  /** If set, /metrics wants `Authorization: Bearer <token>`. */
  SENDFLOW_METRICS_TOKEN: z.string().min(16).optional(),
  /** Where a worker serves the Temporal SDK's own metrics (host:port), if anywhere. */
  SENDFLOW_SDK_METRICS_ADDRESS: z.string().optional(),
  /** OTLP/HTTP collector (the standard variable): traces are exported only when it is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /**
   * On SIGTERM, how long an API finishes the requests it has and a worker the SMTP attempts it
   * runs (seconds) before they are cut off.
   */
  SENDFLOW_DRAIN_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /** How often the retention Schedule purges content and records past their days (minutes). */
  SENDFLOW_RETENTION_EVERY_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /** The reconciler Schedule's interval, and how late a wait must be to count as overdue. */
  SENDFLOW_RECONCILE_EVERY_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
  SENDFLOW_RECONCILE_MARGIN_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** Browser origins allowed to call the codec endpoint (the Temporal UI), comma-separated. */
  SENDFLOW_CODEC_CORS_ORIGINS: caseKeptList('http://127.0.0.1:8233,http://localhost:8233'),
  /** Where the console links a message's workflow: the Temporal UI operators open. */
  SENDFLOW_TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  /** DNS servers for domain verification and MX checks (host or host:port); system resolver if unset. */
  SENDFLOW_DNS_SERVERS: commaList,
  /** File to write MongoDB command counts and times to at exit (the benchmark sets it). */
  SENDFLOW_MONGO_PROFILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const config = parsed.data;
  if (Boolean(config.SMTP_RELAY_TLS_CERT) !== Boolean(config.SMTP_RELAY_TLS_KEY)) {
    throw new ConfigError(['SMTP_RELAY_TLS_CERT and SMTP_RELAY_TLS_KEY: give both files or neither']);
  }
  if (config.SENDFLOW_HASH_RECIPIENT_ATTRIBUTE && !config.SENDFLOW_ENCRYPTION_KEY) {
    throw new ConfigError([
      'SENDFLOW_HASH_RECIPIENT_ATTRIBUTE: the hash is keyed, set SENDFLOW_ENCRYPTION_KEY',
    ]);
  }
  return config;
}
