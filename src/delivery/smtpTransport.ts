import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { SmtpRoute } from './routing';

/** One address of a recipient's mail server, for direct delivery. */
export interface MxTarget {
  host: string;
  address: string;
  family: 4 | 6;
  port: number;
  ehloName: string;
}

export interface TransportProvider {
  get(route: {
    url: string;
    tls: SmtpRoute['tls'];
    poolSize: number;
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
      const key = `${route.url}|${route.tls}|${route.poolSize}`;
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
        } as SMTPTransport.Options);
        transports.set(key, t);
      }
      return t;
    },
    direct(target) {
      const key = `mx|${target.address}|${target.port}|${target.host}|${target.ehloName}`;
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
          // Opportunistic STARTTLS: upgrade when offered, accept the certificate as it is
          // (most MX certificates would not verify); the name is the MX host's for SNI.
          tls: { servername: target.host, rejectUnauthorized: false },
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
