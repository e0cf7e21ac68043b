import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** What the sink answers to one DATA command: accept, fail with an SMTP reply, or hang up. */
export type SinkReply = { accept: true } | { code: number; message: string } | { drop: true };

export interface ReceivedMail {
  /** 1, 2, … in arrival order. */
  id: number;
  receivedAt: Date;
  envelopeFrom: string;
  envelopeTo: string[];
  /** The name the client gave in EHLO/HELO. */
  ehloName: string;
  /** Whether the session had been upgraded with STARTTLS. */
  secure: boolean;
  /** The address the client connected from. */
  remoteAddress: string;
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Address to listen on (default 127.0.0.1), e.g. 127.0.0.2 or ::1 to play an MX host. */
  host?: string;
  /** Keep and parse every accepted mail (default); the benchmark only counts arrivals. */
  record?: boolean;
  /** Keep at most this many mails, dropping the oldest. */
  keep?: number;
  /** Accept any AUTH (the dev catcher stands in for relays that want credentials). */
  acceptAnyAuth?: boolean;
  /** Offer STARTTLS with this key and certificate (PEM); without it the sink speaks clear text only. */
  tls?: { key: string; cert: string };
  /** Called when the server reports an error (a sender that reset its connection, say). */
  onError?: (err: Error) => void;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Arrival times (ms since epoch) of accepted mail, per lower-cased recipient. */
  arrivals: Map<string, number[]>;
  /** Every DATA command seen, accepted or not. */
  attempts: number;
  /** Each DATA command: recipients, Message-ID header and the reply code given. */
  attemptLog: { to: string[]; messageId: string | undefined; code: number }[];
  /** Replies for the next attempts in order; once used up, the sink accepts. */
  queueReplies(...replies: SinkReply[]): void;
  /** Answer attempts to this recipient with this reply (every time, or the first `times`). */
  replyForRecipient(recipient: string, reply: SinkReply, times?: number): void;
  /** Most DATA commands in progress at once, and when each DATA arrived (ms since epoch). */
  maxInFlight: number;
  dataTimes: number[];
  /** Milliseconds the sink waits before answering each DATA, to make sends take time. */
  delayMs: number;
  /** When set, every new connection is greeted with this temporary refusal and closed. */
  greetingReply?: { code: number; message: string };
  /** Connections accepted so far (refused greetings included). */
  connections: number;
  waitForMail(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback that records what it receives and fails on demand: the
 * tests' sink, the benchmark's sink and the dev stack's mail catcher.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const record = options.record ?? true;
  const queued: SinkReply[] = [];
  const perRecipient = new Map<string, { reply: SinkReply; left: number }>();
  const replyFor = (to: string[]): SinkReply | undefined => {
    for (const r of to) {
      const rule = perRecipient.get(r);
      if (rule && rule.left > 0) {
        rule.left -= 1;
        return rule.reply;
      }
    }
    return undefined;
  };
  let nextId = 1;
  let inFlight = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: [...(options.tls ? [] : ['STARTTLS']), ...(options.acceptAnyAuth ? [] : ['AUTH'])],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    size: 60 * 1024 * 1024,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'sink' }),
    onConnect(_session, callback) {
      sink.connections += 1;
      const reply = sink.greetingReply;
      if (reply) callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        sink.attempts += 1;
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        sink.dataTimes.push(Date.now());
        inFlight += 1;
        sink.maxInFlight = Math.max(sink.maxInFlight, inFlight);
        if (sink.delayMs) await new Promise((r) => setTimeout(r, sink.delayMs));
        inFlight -= 1;
        const reply = replyFor(to) ?? queued.shift() ?? { accept: true };
        const raw = Buffer.concat(chunks).toString('utf8');
        sink.attemptLog.push({
          to,
          messageId: /^Message-ID:\s*(\S+)/im.exec(raw)?.[1],
          code: 'accept' in reply ? 250 : 'drop' in reply ? 0 : reply.code,
        });
        if ('drop' in reply) {
          // Close the TCP connection mid-transaction, as a crashing or overloaded MTA does.
          for (const conn of (
            server as unknown as {
              connections: Set<{ session: { id: string }; _socket: { destroy(): void } }>;
            }
          ).connections) {
            if (conn.session.id === session.id) conn._socket.destroy();
          }
          return;
        }
        if (!('accept' in reply)) {
          callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
          return;
        }
        const now = Date.now();
        for (const r of to) {
          const times = sink.arrivals.get(r) ?? [];
          times.push(now);
          sink.arrivals.set(r, times);
        }
        const id = nextId++;
        if (record) {
          sink.received.push({
            id,
            receivedAt: new Date(now),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: to,
            ehloName: session.hostNameAppearsAs,
            secure: session.secure,
            remoteAddress: session.remoteAddress,
            raw,
            parsed: await simpleParser(raw),
          });
          if (options.keep && sink.received.length > options.keep) sink.received.shift();
        }
        callback(null, `2.0.0 Ok: queued as SINK${id}`);
      });
    },
  });
  // A sender killed mid-transaction resets its connection; smtp-server then emits 'error',
  // which must not take the process down with it.
  server.on('error', (err) => options.onError?.(err));
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.server.address() as AddressInfo).port;

  const host = options.host ?? '127.0.0.1';
  const sink: SmtpSink = {
    url: `smtp://${host.includes(':') ? `[${host}]` : host}:${port}`,
    connections: 0,
    port,
    received: [],
    arrivals: new Map(),
    attempts: 0,
    attemptLog: [],
    maxInFlight: 0,
    dataTimes: [],
    delayMs: 0,
    queueReplies: (...replies) => {
      queued.push(...replies);
    },
    replyForRecipient: (recipient, reply, times = Number.POSITIVE_INFINITY) => {
      perRecipient.set(recipient.toLowerCase(), { reply, left: times });
    },
    async waitForMail(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`sink received ${sink.received.length} of ${count} mails in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return sink.received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}
