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

/**
 * One pooled nodemailer transport per route (URL, TLS mode, pool size), reused across
 * attempts. Timeouts are short enough that a dead relay turns into a deferral, not a stuck activity.
 */
export function createTransportProvider(): TransportProvider {
  const transports = new Map<string, Transporter<SMTPTransport.SentMessageInfo>>();
  return {
    get(route) {
      const key = `${route.url}|${route.tls}|${route.poolSize}|${route.localAddress ?? ''}`;
      let t = transports.get(key);
      if (!t) {
        t = nodemailer.createTransport({
          url: route.url,
          pool: true,
          maxConnections: route.poolSize,
          maxMessages: 1000,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 60_000,
          ...tlsOptions(route.tls),
          ...(route.localAddress ? { localAddress: route.localAddress } : {}),
        } as SMTPTransport.Options);
        transports.set(key, t);
      }
      return t;
    },
    direct(target) {
      const key = `mx|${target.address}|${target.port}|${target.host}|${target.ehloName}|${target.tls}|${target.localAddress ?? ''}`;
      let t = transports.get(key);
      if (!t) {
        t = nodemailer.createTransport({
          host: target.address,
          port: target.port,
          name: target.ehloName,
          pool: true,
          maxConnections: 2,
          maxMessages: 100,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 60_000,
          ...mxTlsOptions(target),
          ...(target.localAddress ? { localAddress: target.localAddress } : {}),
        } as SMTPTransport.Options);
        transports.set(key, t);
      }
      return t;
    },
    closeAll() {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}
