import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** What the sink answers to one DATA command: accept, or fail with an SMTP reply. */
export type SinkReply = { accept: true } | { code: number; message: string };

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
  /** Answer every attempt to this recipient with this reply. */
  replyForRecipient(recipient: string, reply: SinkReply): void;
  waitForMail(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that records what it receives and fails on demand. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const queued: SinkReply[] = [];
  const perRecipient = new Map<string, SinkReply>();
  const received: ReceivedMail[] = [];
  const sink = { attempts: 0, attemptLog: [] as SmtpSink['attemptLog'] } as SmtpSink;

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
        const reply = to.map((r) => perRecipient.get(r)).find(Boolean) ?? queued.shift() ?? { accept: true };
        const rawSoFar = Buffer.concat(chunks).toString('utf8');
        const messageId = /^Message-ID:\s*(\S+)/im.exec(rawSoFar)?.[1];
        sink.attemptLog.push({ to, messageId, code: 'accept' in reply ? 250 : reply.code });
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    queueReplies: (...replies: SinkReply[]) => {
      queued.push(...replies);
    },
    replyForRecipient: (recipient: string, reply: SinkReply) => {
      perRecipient.set(recipient.toLowerCase(), reply);
    },
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
