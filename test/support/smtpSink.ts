import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** What the sink answers to one DATA command: accept, fail with an SMTP reply, or hang up. */
export type SinkReply = { accept: true } | { code: number; message: string } | { drop: true };

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
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
  waitForMail(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that records what it receives and fails on demand. */
export async function startSmtpSink(): Promise<SmtpSink> {
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
  const received: ReceivedMail[] = [];
  const sink = { attempts: 0, attemptLog: [], maxInFlight: 0, dataTimes: [] } as unknown as SmtpSink;
  let inFlight = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 60 * 1024 * 1024,
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
        const rawSoFar = Buffer.concat(chunks).toString('utf8');
        const messageId = /^Message-ID:\s*(\S+)/im.exec(rawSoFar)?.[1];
        sink.attemptLog.push({
          to,
          messageId,
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
          const err = Object.assign(new Error(reply.message), { responseCode: reply.code });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: to,
          raw,
          parsed: await simpleParser(raw),
        });
        callback(null, `2.0.0 Ok: queued as SINK${received.length}`);
      });
    },
  });
  // A sender killed mid-transaction (the worker-restart test does it) resets its connection;
  // smtp-server then emits 'error', which must not crash the test process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    queueReplies: (...replies: SinkReply[]) => {
      queued.push(...replies);
    },
    replyForRecipient: (recipient: string, reply: SinkReply, times = Number.POSITIVE_INFINITY) => {
      perRecipient.set(recipient.toLowerCase(), { reply, left: times });
    },
    delayMs: 0,
    async waitForMail(count: number, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`sink received ${received.length} of ${count} mails in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
