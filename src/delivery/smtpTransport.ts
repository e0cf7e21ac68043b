import net from 'node:net';
import tls from 'node:tls';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { resolvePublicAddress } from '../network/addressGuard';
import { type MxTlsPolicy, openMxSession, type TlsSession } from './mxSession';
import type { SmtpRoute } from './routing';

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

/** A pooled transport to one MX address, and what its connections negotiated. */
export interface DirectTransport {
  transport: Transporter<SMTPTransport.SentMessageInfo>;
  /**
   * TLS of the pool's newest connection (none: clear text). Every connection of a pool goes to
   * one address under one policy, so this is the TLS any of its sends used.
   */
  session: { tls?: TlsSession };
}

export interface TransportProvider {
  get(route: {
    url: string;
    tls: SmtpRoute['tls'];
    poolSize: number;
    /** Local source address (from the route's IP pool). */
    localAddress?: string;
    /** Refuse internal addresses (SSRF guard), resolving and pinning the host at every connection. */
    guarded?: boolean;
  }): Transporter<SMTPTransport.SentMessageInfo>;
  /** A pooled transport per MX address: connections to one destination are reused across messages. */
  direct(target: MxTarget): DirectTransport;
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
 * Connects a project's relay route only to a public address: the host is resolved and checked
 * at every connection and the checked address is the one dialled, so DNS that changes between
 * check and connect cannot reach an internal port. Implicit TLS still verifies the host name.
 */
function guardedSocket(url: string, tlsPolicy: SmtpRoute['tls'], localAddress?: string) {
  const u = new URL(url);
  const implicit = tlsPolicy === 'implicit' || u.protocol === 'smtps:';
  const port = Number(u.port || (implicit ? 465 : 25));
  return (_options: unknown, done: (err: Error | null, socket?: unknown) => void) => {
    resolvePublicAddress(u.hostname, false).then(
      ({ address }) => {
        const raw = net.connect({ host: address, port, localAddress });
        const connection = implicit
          ? tls.connect({ socket: raw, servername: u.hostname.replace(/^\[|\]$/g, '') })
          : raw;
        const ready = implicit ? 'secureConnect' : 'connect';
        connection.once(ready, () => done(null, { connection, ...(implicit ? { secured: true } : {}) }));
        connection.once('error', (err) => done(err));
      },
      (err: Error) => done(err),
    );
  };
}

/**
 * One pooled nodemailer transport per distinct set of options (a relay route, or one MX
 * address with its TLS policy and source address), reused across attempts and messages.
 */
export function createTransportProvider(): TransportProvider {
  const transports = new Map<string, Transporter<SMTPTransport.SentMessageInfo>>();
  const sessions = new Map<string, DirectTransport['session']>();
  const pooled = (options: PoolOptions, key = JSON.stringify(options)) => {
    let t = transports.get(key);
    if (!t) {
      t = nodemailer.createTransport({ pool: true, ...TIMEOUTS, ...options } as SMTPTransport.Options);
      transports.set(key, t);
    }
    return t;
  };
  return {
    get: (route) => {
      const options: PoolOptions = {
        url: route.url,
        maxConnections: route.poolSize,
        maxMessages: 1000,
        ...tlsOptions(route.tls),
        ...bindTo(route.localAddress),
      };
      // getSocket is a function, which JSON leaves out: the guard is part of the key by name.
      const key = JSON.stringify({ ...options, guarded: Boolean(route.guarded) });
      return route.guarded
        ? pooled(
            { ...options, getSocket: guardedSocket(route.url, route.tls, route.localAddress) } as PoolOptions,
            key,
          )
        : pooled(options, key);
    },
    direct(target) {
      const key = JSON.stringify(target);
      let session = sessions.get(key);
      if (!session) {
        session = {};
        sessions.set(key, session);
      }
      const recordTo = session;
      const transport = pooled(
        {
          host: target.address,
          port: target.port,
          name: target.ehloName,
          maxConnections: 2,
          maxMessages: 100,
          // The session is opened (and upgraded) by openMxSession; nodemailer never upgrades itself.
          ignoreTLS: true,
          getSocket: (_options: unknown, done: (err: Error | null, socket?: unknown) => void) => {
            openMxSession({
              ...target,
              timeoutMs: TIMEOUTS.connectionTimeout + TIMEOUTS.greetingTimeout,
            }).then(
              ({ tls, ...opened }) => {
                recordTo.tls = tls;
                done(null, opened);
              },
              (err: Error) => done(err),
            );
          },
        } as PoolOptions,
        key,
      );
      return { transport, session };
    },
    closeAll() {
      for (const t of transports.values()) t.close();
      transports.clear();
      sessions.clear();
    },
  };
}
