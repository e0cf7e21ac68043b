import net from 'node:net';
import tls from 'node:tls';

/** How direct delivery treats TLS: upgrade when offered, insist on a verified certificate, or never. */
export type MxTlsPolicy = 'opportunistic' | 'required' | 'none';

/** The TLS a direct-delivery connection negotiated, recorded with the attempt. */
export interface TlsSession {
  version: string;
  cipher: string;
}

export interface MxSessionTarget {
  host: string;
  address: string;
  port: number;
  ehloName: string;
  tls: MxTlsPolicy;
  localAddress?: string;
  /** Bounds the whole set-up: connect, greeting, EHLO, STARTTLS and the handshake. */
  timeoutMs: number;
}

/** A session handed to nodemailer: the socket, and whether it already speaks TLS. */
export interface OpenedSession {
  connection: net.Socket;
  secure: boolean;
  secured: boolean;
  tls?: TlsSession;
}

/** Shaped like nodemailer's own errors, so the attempt's classification treats both alike. */
class SessionSetupError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly command: string,
    readonly response?: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

/** Reads SMTP replies (multi-line ones whole) from a socket until it is handed over. */
function replyReader(socket: net.Socket) {
  let buffered = '';
  let lines: string[] = [];
  let waiting: ((reply: string) => void) | undefined;
  const ready: string[] = [];
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl).replace(/\r$/, '');
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      // "250-…" continues a reply, "250 …" (or a bare code) ends it.
      if (/^\d{3}(?: |$)/.test(line)) {
        ready.push(lines.join('\n'));
        lines = [];
      }
    }
    while (ready.length && waiting) {
      const w = waiting;
      waiting = undefined;
      w(ready.shift() as string);
    }
  };
  socket.on('data', onData);
  return {
    next: () =>
      new Promise<string>((resolve) => {
        if (ready.length) resolve(ready.shift() as string);
        else waiting = resolve;
      }),
    release() {
      socket.removeListener('data', onData);
    },
  };
}

const codeOf = (reply: string) => Number(reply.slice(0, 3));

/**
 * Opens an SMTP session to one MX address up to the point where mail can be sent: greeting,
 * EHLO and, unless the policy says `none`, STARTTLS when offered (`required`: only with a
 * certificate that verifies for the MX host, else it fails). nodemailer's pool then takes the
 * socket over and speaks EHLO again, as RFC 3207 asks after an upgrade; its own greeting wait is
 * satisfied by a replayed greeting. Doing the upgrade here is what lets the attempt record the
 * TLS version and cipher, which nodemailer keeps to itself.
 */
export async function openMxSession(target: MxSessionTarget): Promise<OpenedSession> {
  const socket = net.connect({
    host: target.address,
    port: target.port,
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
  });
  let current: net.Socket = socket;
  const timer = setTimeout(
    () =>
      current.destroy(
        new SessionSetupError(
          `no SMTP session with ${target.host} within ${target.timeoutMs} ms`,
          'ETIMEDOUT',
          'CONN',
        ),
      ),
    target.timeoutMs,
  );
  let onError: (err: Error) => void = () => {};
  let onClose: () => void = () => {};
  const dropped = new Promise<never>((_, reject) => {
    onError = (err: Error) =>
      reject(
        err instanceof SessionSetupError
          ? err
          : new SessionSetupError(err.message, (err as NodeJS.ErrnoException).code ?? 'ECONNECTION', 'CONN'),
      );
    onClose = () => reject(new SessionSetupError('connection closed during set-up', 'ECONNECTION', 'CONN'));
  });
  socket.on('error', onError);
  socket.on('close', onClose);
  try {
    return await Promise.race([setUp(socket, target, (s) => (current = s)), dropped]);
  } catch (err) {
    current.destroy();
    socket.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
    // From here on the socket is nodemailer's, with its own handlers.
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
  }
}

async function setUp(
  socket: net.Socket,
  target: MxSessionTarget,
  switchTo: (s: net.Socket) => void,
): Promise<OpenedSession> {
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const reader = replyReader(socket);
  const command = async (line: string) => {
    socket.write(`${line}\r\n`);
    return reader.next();
  };
  const refuse = (reply: string, cmd: string) => {
    throw new SessionSetupError(reply, 'EPROTOCOL', cmd, reply, codeOf(reply));
  };

  const greeting = await reader.next();
  if (codeOf(greeting) !== 220) refuse(greeting, 'CONN');
  // A replayed greeting for nodemailer, who waits for one on the socket it is given.
  const handOver = (s: net.Socket, extra: Partial<OpenedSession>): OpenedSession => {
    // Paused, so nothing flows before nodemailer listens; it resumes the socket itself.
    s.pause();
    s.unshift(Buffer.from(`${greeting.split('\n')[0].replace(/^220-/, '220 ')}\r\n`, 'latin1'));
    return { connection: s, secure: false, secured: false, ...extra };
  };
  if (target.tls === 'none') {
    reader.release();
    return handOver(socket, {});
  }

  const ehlo = await command(`EHLO ${target.ehloName}`);
  const offersStartTls = codeOf(ehlo) === 250 && /^250[- ]STARTTLS\b/im.test(ehlo);
  if (!offersStartTls) {
    if (target.tls === 'required')
      throw new SessionSetupError(
        `${target.host} does not offer STARTTLS and the route requires TLS`,
        'ETLS',
        'STARTTLS',
        ehlo,
      );
    reader.release();
    return handOver(socket, {});
  }
  const ready = await command('STARTTLS');
  if (codeOf(ready) !== 220) {
    if (target.tls === 'required') refuse(ready, 'STARTTLS');
    // Opportunistic: a refused upgrade leaves a usable clear-text session.
    reader.release();
    return handOver(socket, {});
  }
  reader.release();

  const secured = tls.connect({
    socket,
    // SNI and name checks need the MX host's name, never one of its addresses.
    ...(net.isIP(target.host) ? {} : { servername: target.host }),
    rejectUnauthorized: target.tls === 'required',
  });
  switchTo(secured);
  let onTlsError: (err: Error) => void = () => {};
  await new Promise<void>((resolve, reject) => {
    onTlsError = (err) =>
      reject(new SessionSetupError(`TLS with ${target.host} failed: ${err.message}`, 'ETLS', 'STARTTLS'));
    secured.once('secureConnect', resolve);
    secured.on('error', onTlsError);
  });
  secured.removeListener('error', onTlsError);
  const cipher = secured.getCipher();
  return handOver(secured, {
    secure: true,
    secured: true,
    tls: { version: secured.getProtocol() ?? cipher.version, cipher: cipher.standardName ?? cipher.name },
  });
}
