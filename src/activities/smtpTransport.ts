import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

export interface TransportProvider {
  get(url: string): Transporter<SMTPTransport.SentMessageInfo>;
  closeAll(): void;
}

/** Host:port a transport talks to, recorded as the remote MTA of an attempt. */
export function remoteOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 25)}`;
}

/**
 * One pooled nodemailer transport per SMTP URL, reused across attempts. Timeouts are short
 * enough that a dead relay turns into a deferral instead of a stuck activity.
 */
export function createTransportProvider(opts: { maxConnections?: number } = {}): TransportProvider {
  const transports = new Map<string, Transporter<SMTPTransport.SentMessageInfo>>();
  return {
    get(url) {
      let t = transports.get(url);
      if (!t) {
        t = nodemailer.createTransport({
          url,
          pool: true,
          maxConnections: opts.maxConnections ?? 5,
          maxMessages: 1000,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 60_000,
        } as SMTPTransport.Options);
        transports.set(url, t);
      }
      return t;
    },
    closeAll() {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}
