import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { SmtpRoute } from './routing';

/** How direct delivery treats TLS: upgrade when offered, insist on a verified certificate, or never. */
export type MxTlsPolicy = 'opportunistic' | 'required' | 'none';

/** One address of a recipient's mail server, for direct delivery. */
export interface MxTarget {
  host: string;
  address: string;
  family: 4 | 6;
  port: number;
  ehloName: string;
  tls: MxTlsPolicy;
  /** Local source address (from the route's IP pool). */
  localAddress?: string;
}

function mxTlsOptions(target: MxTarget): Partial<SMTPTransport.Options> {
  switch (target.tls) {
    case 'required':
      // No clear text, and the certificate must verify for the MX host's name.
      return { requireTLS: true, tls: { servername: target.host, rejectUnauthorized: true } };
    case 'none':
      return { ignoreTLS: true };
    default:
      // Upgrade when offered and accept the certificate as it is: most MX certificates would
      // not verify, and encrypted beats clear text.
      return { tls: { servername: target.host, rejectUnauthorized: false } };
  }
}

export interface TransportProvider {
  get(route: {
    url: string;
    tls: SmtpRoute['tls'];
    poolSize: number;
    /** Local source address (from the route's IP pool). */
    localAddress?: string;
  }): Transporter<SMTPTransport.SentMessageInfo>;
  /** A pooled transport per MX address: connections to one destination are reused across messages. */
  direct(target: MxTarget): Transporter<SMTPTransport.SentMessageInfo>;
  closeAll(): void;
}

/** Host:port a transport talks to, recorded as the remote MTA of an attempt. */
export function remoteOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 25)}`;
}

function tlsOptions(tls: SmtpRoute['tls']): Partial<SMTPTransport.Options> {
  switch (tls) {
    case 'none':
      return { ignoreTLS: true };
    case 'required':
      return { requireTLS: true };
    case 'implicit':
      return { secure: true };
    default:
      return {};
  }
}

// Short enough that a dead server turns into a deferral, not a stuck activity.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 };

/** What differs between pooled transports: where to, how, and how many connections. */
type PoolOptions = SMTPTransport.Options & { maxConnections: number; maxMessages: number };

const bindTo = (localAddress: string | undefined) => (localAddress ? { localAddress } : {});

/**
 * One pooled nodemailer transport per distinct set of options (a relay route, or one MX
 * address with its TLS policy and source address), reused across attempts and messages.
 */
export function createTransportProvider(): TransportProvider {
  const transports = new Map<string, Transporter<SMTPTransport.SentMessageInfo>>();
  const pooled = (options: PoolOptions) => {
    const key = JSON.stringify(options);
    let t = transports.get(key);
    if (!t) {
      t = nodemailer.createTransport({ pool: true, ...TIMEOUTS, ...options } as SMTPTransport.Options);
      transports.set(key, t);
    }
    return t;
  };
  return {
    get: (route) =>
      pooled({
        url: route.url,
        maxConnections: route.poolSize,
        maxMessages: 1000,
        ...tlsOptions(route.tls),
        ...bindTo(route.localAddress),
      }),
    direct: (target) =>
      pooled({
        host: target.address,
        port: target.port,
        name: target.ehloName,
        maxConnections: 2,
        maxMessages: 100,
        ...mxTlsOptions(target),
        ...bindTo(target.localAddress),
      }),
    closeAll() {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}
