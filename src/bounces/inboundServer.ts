import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Logger } from '../logger';
import { handleInbound, type InboundDeps } from './inboundReports';

/** Reports are small; anything bigger than this is refused with 552. */
export const INBOUND_MAX_BYTES = 10 * 1024 * 1024;

export interface InboundServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The inbound listener of the bounce domain: accepts mail addressed to that domain only (550
 * otherwise), hands each message to handleInbound, and answers 451 when it cannot be stored
 * (the sender retries), never crashing on what it receives.
 */
export async function startInboundServer(
  deps: InboundDeps & { logger: Logger },
  listen: { port: number; host?: string },
): Promise<InboundServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: INBOUND_MAX_BYTES,
    onRcptTo(address, _session, callback) {
      const domain = address.address.split('@').pop()?.toLowerCase();
      if (domain !== deps.bounceDomain)
        return callback(
          Object.assign(new Error(`5.1.1 ${address.address}: not a bounce address here`), {
            responseCode: 550,
          }),
        );
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded)
          return callback(Object.assign(new Error('5.3.4 Report too large'), { responseCode: 552 }));
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        handleInbound(deps, envelope, Buffer.concat(chunks).toString('utf8')).then(
          (doc) => {
            deps.logger.info(
              { inbound: doc._id, kind: doc.kind, message_id: doc.message_id },
              'inbound report',
            );
            callback(null, `2.0.0 Ok: ${doc._id}`);
          },
          (err) => {
            deps.logger.error({ err }, 'inbound report not stored');
            callback(Object.assign(new Error('4.3.0 Try again later'), { responseCode: 451 }));
          },
        );
      });
    },
  });
  server.on('error', (err) => deps.logger.warn({ err }, 'inbound connection error'));
  await new Promise<void>((resolve) => server.listen(listen.port, listen.host ?? '0.0.0.0', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
