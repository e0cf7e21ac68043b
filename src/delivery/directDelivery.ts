import type Mail from 'nodemailer/lib/mailer';
import type { DnsResolver } from '../senderDomains/dnsResolver';
import { resolveMx } from './mxResolution';
import type { MxTlsPolicy, TlsSession } from './mxSession';
import { sourceAddress } from './routing';
import {
  classifyFailure,
  classifySuccess,
  failedBeforeTransaction,
  isConnectionFailure,
  type SmtpOutcome,
} from './smtpOutcome';
import type { TransportProvider } from './smtpTransport';

/** The transaction ran over this session: record its TLS (absent: clear text). */
const withTls = (outcome: SmtpOutcome, tls: TlsSession | undefined): SmtpOutcome =>
  tls ? { ...outcome, smtp: { ...outcome.smtp, tls } } : outcome;

export interface DirectDeliveryOptions {
  resolver: DnsResolver;
  transports: TransportProvider;
  /** 25 in production; tests point it at their sinks. */
  port: number;
  ehloName: string;
}

export interface DirectRouteOptions {
  /** The route's TLS policy; `required` defers rather than send in clear text or to an unverified server. */
  tls: MxTlsPolicy;
  /** The route's IP pool: sends leave from one of these (of the target's address family). */
  localAddresses?: string[];
}

/**
 * Delivers to the recipient domain's own mail servers: each MX host by preference, each of
 * its addresses (IPv6, then IPv4) in turn. Connection failures and refusals before the
 * transaction (greeting, EHLO, STARTTLS) move on to the next address; the first answer to the
 * transaction itself (2xx, 4xx or 5xx) is final; when
 * every address failed, the attempt is deferred with the last answer. A null MX or a domain
 * that does not exist is a hard bounce without any connection; a DNS failure defers.
 */
export async function deliverDirect(
  mail: Mail.Options,
  recipientDomain: string,
  opts: DirectDeliveryOptions,
  route: DirectRouteOptions,
): Promise<SmtpOutcome> {
  const resolution = await resolveMx(opts.resolver, recipientDomain);
  switch (resolution.kind) {
    case 'null_mx':
      return {
        kind: 'bounced',
        smtp: {
          code: 556,
          enhanced_code: '5.1.10',
          response: `556 5.1.10 ${recipientDomain} accepts no mail (null MX, RFC 7505); nothing was sent`,
        },
      };
    case 'no_such_domain':
      return {
        kind: 'bounced',
        smtp: {
          code: 550,
          enhanced_code: '5.1.2',
          response: `550 5.1.2 ${resolution.detail}; nothing was sent`,
        },
      };
    case 'temporary':
      return {
        kind: 'deferred',
        smtp: {
          enhanced_code: '4.4.3',
          response: `DNS lookup failed: ${resolution.detail}`,
          error_code: 'EDNS',
        },
      };
  }
  let last: SmtpOutcome | undefined;
  for (const { host, addresses } of resolution.hosts) {
    for (const { address, family } of addresses) {
      const local = sourceAddress(route.localAddresses, family);
      // A pool without an address of this family cannot reach this address.
      if (local === null) continue;
      const remote = `${host} [${address}]:${opts.port}`;
      const { transport, session } = opts.transports.direct({
        address,
        family,
        port: opts.port,
        host,
        ehloName: opts.ehloName,
        tls: route.tls,
        localAddress: local,
      });
      try {
        const info = await transport.sendMail(mail);
        return withTls(classifySuccess(info.response, remote), session.tls);
      } catch (err) {
        const outcome = classifyFailure(err, remote);
        // Only an answer to the transaction itself is final; the next address may accept us.
        if (!isConnectionFailure(outcome) && !failedBeforeTransaction(err))
          return withTls(outcome, session.tls);
        last = outcome;
      }
    }
  }
  return last as SmtpOutcome;
}
