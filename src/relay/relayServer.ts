import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { findActiveKey } from '../accounts/apiKeys';
import { type AuthContext, authContextOf, hasScope } from '../accounts/authContext';
import { createRateCounter, DEFAULT_RATE_LIMIT_PER_MINUTE } from '../accounts/rateWindows';
import { projectRateLimit } from '../accounts/sendingPlan';
import type { Logger } from '../logger';
import { domainOf, parseMailbox } from '../messages/address';
import {
  type AcceptanceDeps,
  assertRecipientDomainAcceptsMail,
  checkSender,
} from '../messages/messageAcceptance';
import { acceptSubmission } from './acceptSubmission';
import { receiveSubmission } from './receiveSubmission';
import type { TlsMaterial } from './relayTls';
import { replyFor, smtpError } from './smtpReplies';

/** The largest message the relay takes, as on the HTTP API; advertised with SIZE. */
export const RELAY_MAX_BYTES = 50 * 1024 * 1024;
/** Recipients per transaction, as many as one HTTP batch holds. */
export const RELAY_MAX_RECIPIENTS = 500;
/** Ids listed in the 250 reply; a reply line stays within RFC 5321's 512 octets. */
const IDS_IN_REPLY = 10;

export interface RelayDeps extends AcceptanceDeps {
  logger: Logger;
  tls: TlsMaterial;
}

export interface RelayServer {
  port: number;
  tlsPort?: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function authOf(session: SMTPServerSession): AuthContext {
  return session.user as unknown as AuthContext;
}

function acceptedText(ids: string[]): string {
  const listed = ids.slice(0, IDS_IN_REPLY).join(' ');
  const more = ids.length > IDS_IN_REPLY ? ` (+${ids.length - IDS_IN_REPLY} more)` : '';
  return `2.0.0 Ok: queued as ${listed}${more}`;
}

/**
 * The SMTP submission server: mail from authenticated applications, each RCPT one message on
 * the normal delivery workflow. Authentication is an API key with the send scope (any user
 * name), only over TLS unless insecure AUTH is allowed for loopback clients; it never relays
 * for anyone unauthenticated.
 */
export async function startRelayServer(
  deps: RelayDeps,
  listen: { port: number; tlsPort?: number; host?: string },
): Promise<RelayServer> {
  const c = deps.collections;
  const countRequest = createRateCounter(c.rateWindows);
  const log = deps.logger;

  const handlers: Partial<SMTPServerOptions> = {
    onAuth(auth, session, callback) {
      const insecureAllowed =
        deps.config.SMTP_RELAY_ALLOW_INSECURE_AUTH && LOOPBACK.has(session.remoteAddress);
      if (!session.secure && !insecureAllowed)
        return callback(smtpError(530, '5.7.0', 'Must issue a STARTTLS command first'));
      (async () => {
        const key = await findActiveKey(c, auth.password ?? '');
        if (!key)
          throw smtpError(
            535,
            '5.7.8',
            'Authentication failed: the password must be a live Sendflow API key',
          );
        const ctx = authContextOf(key);
        if (!hasScope(ctx, 'send'))
          throw smtpError(535, '5.7.8', 'Authentication failed: this API key lacks the send scope');
        ctx.rateLimitPerMinute ??= await projectRateLimit(c, key.project_id);
        return ctx;
      })().then(
        (ctx) => callback(null, { user: ctx as never }),
        (err) => {
          if (err instanceof Error && 'responseCode' in err) return callback(err);
          log.error({ err }, 'relay auth lookup failed');
          callback(smtpError(454, '4.7.0', 'Temporary authentication failure; try again later'));
        },
      );
    },
    onMailFrom(address, session, callback) {
      const auth = authOf(session);
      if (!address.address)
        return callback(smtpError(550, '5.1.7', 'A sender address is required to submit mail'));
      if (!parseMailbox(address.address))
        return callback(smtpError(553, '5.1.7', `${address.address} is not a valid sender address`));
      (async () => {
        // One transaction is one request against the key's per-minute limit, shared with HTTP.
        const window = await countRequest(
          `key:${auth.keyId}`,
          auth.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
        );
        if (window.exceeded)
          throw smtpError(
            451,
            '4.7.0',
            `Rate limit of ${window.limit} requests per minute exceeded; try again in ${window.retryAfterSeconds} s`,
          );
        await checkSender(deps, auth, address.address);
      })().then(
        () => callback(),
        (err) => callback(replyFor(err)),
      );
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= RELAY_MAX_RECIPIENTS)
        return callback(smtpError(452, '4.5.3', `At most ${RELAY_MAX_RECIPIENTS} recipients per message`));
      if (!parseMailbox(address.address))
        return callback(smtpError(553, '5.1.3', `${address.address} is not a valid recipient address`));
      if (!deps.config.SENDFLOW_VERIFY_MX) return callback();
      assertRecipientDomainAcceptsMail(deps.resolver, domainOf(address.address)).then(
        () => callback(),
        (err) => callback(replyFor(err)),
      );
    },
    onData(stream, session, callback) {
      const auth = authOf(session);
      const envelope = {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
      };
      receiveSubmission(c.rawMessages, stream, {
        maxBytes: RELAY_MAX_BYTES,
        declared8Bit: session.envelope.bodyType === '8bitmime',
      })
        .then(async (received) => {
          if (received === 'too_large')
            return callback(smtpError(552, '5.3.4', `Message exceeds the ${RELAY_MAX_BYTES} byte limit`));
          const accepted = await acceptSubmission(deps, auth, envelope, received);
          log.info(
            { project_id: auth.projectId, key_id: auth.keyId, messages: accepted.map((a) => a.message_id) },
            'relay submission accepted',
          );
          callback(null, acceptedText(accepted.map((a) => a.message_id)));
        })
        .catch((err) => {
          if ((err as { code?: string }).code === 'ECONNECTION') {
            log.info({ project_id: auth.projectId }, 'client left during DATA; nothing kept');
            return callback(err);
          }
          if (!(err instanceof Error && err.name === 'ServiceError'))
            log.error({ err }, 'relay submission failed');
          callback(replyFor(err));
        });
    },
  };

  const serverFor = (secure: boolean) => {
    const server = new SMTPServer({
      ...handlers,
      secure,
      name: deps.config.SENDFLOW_EHLO_NAME,
      banner: 'Sendflow SMTP relay',
      key: deps.tls.key,
      cert: deps.tls.cert,
      size: RELAY_MAX_BYTES,
      authMethods: ['PLAIN', 'LOGIN'],
      // Decided per connection in onAuth: loopback clients may be allowed AUTH in clear text.
      allowInsecureAuth: true,
      disabledCommands: secure ? ['STARTTLS'] : [],
      maxClients: 500,
      logger: false,
    });
    server.on('error', (err) => log.warn({ err }, 'relay connection error'));
    return server;
  };
  const listenOn = async (server: SMTPServer, port: number) => {
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, listen.host ?? '0.0.0.0', () => resolve());
    });
    return (server.server.address() as AddressInfo).port;
  };

  const plain = serverFor(false);
  const port = await listenOn(plain, listen.port);
  let implicit: SMTPServer | undefined;
  let tlsPort: number | undefined;
  if (listen.tlsPort !== undefined) {
    implicit = serverFor(true);
    tlsPort = await listenOn(implicit, listen.tlsPort);
  }
  return {
    port,
    tlsPort,
    close: async () => {
      for (const server of [plain, implicit]) {
        if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
