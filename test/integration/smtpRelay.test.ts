import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { createApiKey } from '../../src/accounts/apiKeys';
import { createLogger } from '../../src/logger';
import { type RelayServer, startRelayServer } from '../../src/relay/relayServer';
import { selfSignedPair, type TlsMaterial } from '../../src/relay/relayTls';
import { createMessageWorkflows, type MessageWorkflows } from '../../src/temporal/messageWorkflows';
import { dkimSignature } from '../support/dkimCheck';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
type SmtpFailure = Error & { responseCode?: number; response?: string };

let stack: TestStack;
let tls: TlsMaterial;
let relay: RelayServer;
let sendKey: string;
let dkimRecord: { name: string; value: string };

async function startRelay(
  s: TestStack,
  opts: { allowInsecureAuth?: boolean; workflows?: MessageWorkflows; tlsPort?: number } = {},
) {
  return startRelayServer(
    {
      ...s.acceptanceDeps,
      config: { ...s.config, SMTP_RELAY_ALLOW_INSECURE_AUTH: opts.allowInsecureAuth ?? false },
      workflows: opts.workflows ?? s.acceptanceDeps.workflows,
      logger: createLogger('silent', 'test-relay'),
      tls,
    },
    { port: 0, host: '127.0.0.1', tlsPort: opts.tlsPort },
  );
}

/** A legacy application's SMTP client: STARTTLS required, the API key as password. */
function legacyClient(
  port: number,
  key: string | null,
  opts: { method?: 'LOGIN' | 'PLAIN'; ignoreTLS?: boolean; pool?: boolean; secure?: boolean } = {},
) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: opts.secure ?? false,
    requireTLS: !opts.ignoreTLS && !opts.secure,
    ignoreTLS: opts.ignoreTLS ?? false,
    tls: { rejectUnauthorized: false },
    auth: key ? { user: 'legacy-app', pass: key, method: opts.method ?? 'LOGIN' } : undefined,
    pool: opts.pool ?? false,
  });
}

async function failureOf(p: Promise<unknown>): Promise<SmtpFailure> {
  try {
    await p;
  } catch (err) {
    return err as SmtpFailure;
  }
  throw new Error('the relay accepted what it should have refused');
}

function idsOf(response: string): string[] {
  return response.match(/msg_[A-Za-z0-9_-]+/g) ?? [];
}

async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

function deliveriesTo(s: TestStack, recipient: string) {
  return s.sink.received.filter((m) => m.envelopeTo.includes(recipient));
}

async function settle(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
}

beforeAll(async () => {
  stack = await startTestStack();
  tls = { ...(await selfSignedPair('relay.acme.test')), selfSigned: true };
  relay = await startRelay(stack);
  sendKey = await stack.createKey(['send']);
  // acme.test is a verified sender domain of the stack; its domain record gives it a DKIM key.
  const domain = await json(await stack.request('POST', '/v1/domains', { body: { name: 'acme.test' } }));
  dkimRecord = (domain.records as { purpose: string; name: string; value: string }[])[1];
});

afterAll(async () => {
  await relay?.close();
  await stack?.close();
});

describe('SMTP relay', () => {
  it('delivers a STARTTLS + AUTH LOGIN submission DKIM-signed, with its attachments byte for byte', async () => {
    const pdf = randomBytes(300 * 1024);
    const csv = Buffer.from('id;name\n1;Ada\n');
    const info = await legacyClient(relay.port, sendKey).sendMail({
      from: '"Billing" <billing@acme.test>',
      to: 'customer@example.test',
      subject: 'Your invoice',
      text: 'Invoice attached.',
      html: '<p>Invoice attached.</p>',
      attachments: [
        { filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'lines.csv', content: csv, contentType: 'text/csv' },
      ],
    });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as msg_/);
    const [messageId] = idsOf(info.response);
    const delivered = await stack.waitForStatus(messageId, ['delivered']);
    expect(delivered).toMatchObject({
      source: 'smtp',
      from: '"Billing" <billing@acme.test>',
      subject: 'Your invoice',
      text: 'Invoice attached.',
      attachments: [
        { filename: 'invoice.pdf', content_type: 'application/pdf', size: pdf.length },
        { filename: 'lines.csv', content_type: 'text/csv', size: csv.length },
      ],
    });

    const [mail] = deliveriesTo(stack, 'customer@example.test');
    const received = mail.parsed.attachments.map((a) => a.content);
    expect(received).toHaveLength(2);
    expect(received[0].equals(pdf) && received[1].equals(csv)).toBe(true);
    expect(mail.parsed.headers.get('x-sendflow-message-id')).toBe(messageId);
    expect(mail.parsed.messageId).toBe(info.messageId);
    expect(await dkimSignature(mail.raw, 'billing@acme.test', dkimRecord)).toMatchObject({
      signingDomain: 'acme.test',
      status: { result: 'pass' },
    });

    const listed = await json(await stack.request('GET', '/v1/messages?recipient=customer@example.test'));
    expect((listed.data as Json[])[0]).toMatchObject({ message_id: messageId, source: 'smtp' });
  });

  it('makes one message and one delivery per recipient with AUTH PLAIN, and nobody sees the Bcc', async () => {
    const info = await legacyClient(relay.port, sendKey, { method: 'PLAIN' }).sendMail({
      from: 'alerts@acme.test',
      to: 'to-1@example.test',
      cc: 'cc-1@example.test',
      bcc: 'hidden-1@example.test',
      subject: 'Disk almost full',
      text: '92% used',
    });
    const ids = idsOf(info.response);
    expect(ids).toHaveLength(3);
    const messages = await Promise.all(ids.map((id) => stack.waitForStatus(id, ['delivered'])));
    expect(messages.map((m) => m.recipient).sort()).toEqual([
      'cc-1@example.test',
      'hidden-1@example.test',
      'to-1@example.test',
    ]);
    for (const recipient of ['to-1@example.test', 'cc-1@example.test', 'hidden-1@example.test']) {
      const copies = deliveriesTo(stack, recipient);
      expect(copies).toHaveLength(1);
      const headerBlock = copies[0].raw.slice(0, copies[0].raw.indexOf('\r\n\r\n'));
      expect(headerBlock).not.toContain('hidden-1@example.test');
      expect(copies[0].parsed.bcc).toBeUndefined();
    }
  });

  it('keeps an 8-bit UTF-8 body and SMTPUTF8 addresses as submitted', async () => {
    const raw = Buffer.from(
      [
        'From: Zoë <zoe@acme.test>',
        'To: jürgen@example.test',
        'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
        'Message-ID: <utf8-1@acme.test>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Grüße aus Köln – ✓',
        '',
      ].join('\r\n'),
    );
    const info = await legacyClient(relay.port, sendKey).sendMail({
      envelope: { from: 'zoe@acme.test', to: ['jürgen@example.test'] },
      raw,
    });
    const [id] = idsOf(info.response);
    expect(await stack.waitForStatus(id, ['delivered'])).toMatchObject({ subject: 'Grüße' });
    const [mail] = deliveriesTo(stack, 'jürgen@example.test');
    expect(mail.raw).toContain('\r\n\r\nGrüße aus Köln – ✓\r\n');
    expect(mail.parsed.text?.trim()).toBe('Grüße aus Köln – ✓');
  });

  it('refuses a bad API key and a key without the send scope with 535', async () => {
    const bad = await failureOf(legacyClient(relay.port, 'sf_live_not-a-key').verify());
    expect(bad.responseCode).toBe(535);
    const readOnly = await stack.createKey(['read']);
    const reader = await failureOf(legacyClient(relay.port, readOnly).verify());
    expect(reader.responseCode).toBe(535);
    expect(reader.response).toMatch(/send scope/);
  });

  it('refuses AUTH without TLS, and mail without AUTH, with 530: never an open relay', async () => {
    const clear = await failureOf(legacyClient(relay.port, sendKey, { ignoreTLS: true }).verify());
    expect(clear.responseCode).toBe(530);
    expect(clear.response).toMatch(/STARTTLS/);
    const anonymous = await failureOf(
      legacyClient(relay.port, null).sendMail({
        from: 'app@acme.test',
        to: 'someone@example.test',
        subject: 'open relay?',
        text: 'no',
      }),
    );
    expect(anonymous.responseCode).toBe(530);
    expect(deliveriesTo(stack, 'someone@example.test')).toHaveLength(0);
  });

  it('refuses an unverified envelope sender or From domain, and one outside the key, with 550', async () => {
    const client = legacyClient(relay.port, sendKey);
    const envelope = await failureOf(
      client.sendMail({ from: 'app@unverified.test', to: 'x@example.test', subject: 's', text: 't' }),
    );
    expect(envelope.responseCode).toBe(550);
    expect(envelope.response).toMatch(/unverified\.test is not verified/);
    const header = await failureOf(
      client.sendMail({
        envelope: { from: 'app@acme.test', to: ['x@example.test'] },
        from: 'ceo@unverified.test',
        subject: 's',
        text: 't',
      }),
    );
    expect(header.responseCode).toBe(550);
    expect(header.response).toMatch(/unverified\.test is not verified/);
    const scoped = await stack.createKey(['send'], { domains: ['other.test'] });
    const outside = await failureOf(
      legacyClient(relay.port, scoped).sendMail({
        from: 'app@acme.test',
        to: 'x@example.test',
        subject: 's',
        text: 't',
      }),
    );
    expect(outside.responseCode).toBe(550);
    expect(deliveriesTo(stack, 'x@example.test')).toHaveLength(0);
  });

  it('advertises SIZE and refuses a message over 50 MB with 552, keeping nothing', async () => {
    const filesBefore = await stack.database.db.collection('raw_mime.files').countDocuments();
    const big = Buffer.alloc(50 * 1024 * 1024 + 1024, 'a');
    const raw = Buffer.concat([
      Buffer.from('From: app@acme.test\r\nTo: big@example.test\r\nSubject: big\r\n\r\n'),
      big,
    ]);
    const tooBig = await failureOf(
      legacyClient(relay.port, sendKey).sendMail({
        envelope: { from: 'app@acme.test', to: ['big@example.test'] },
        raw,
      }),
    );
    expect(tooBig.responseCode).toBe(552);
    expect(await stack.database.collections.messages.countDocuments({ recipient: 'big@example.test' })).toBe(
      0,
    );
    expect(await stack.database.db.collection('raw_mime.files').countDocuments()).toBe(filesBefore);
  });

  it('does not send a resubmitted Message-ID again and answers with the original ids', async () => {
    const client = legacyClient(relay.port, sendKey);
    const mail: Mail.Options = {
      from: 'app@acme.test',
      to: ['again-1@example.test', 'again-2@example.test'],
      subject: 'Once only',
      text: 'Hello',
      messageId: '<resubmitted-1@acme.test>',
    };
    const first = await client.sendMail(mail);
    const second = await client.sendMail({ ...mail, date: new Date(Date.now() + 60_000) });
    expect(idsOf(second.response)).toEqual(idsOf(first.response));
    for (const id of idsOf(first.response)) await stack.waitForStatus(id, ['delivered']);
    await settle(1000);
    expect(deliveriesTo(stack, 'again-1@example.test')).toHaveLength(1);
    expect(deliveriesTo(stack, 'again-2@example.test')).toHaveLength(1);
  });

  it('takes template, tags, metadata and message type from X-Sendflow headers and strips them before delivery', async () => {
    const template = await json(
      await stack.request('POST', '/v1/templates', {
        body: {
          name: 'relay-welcome',
          subject: 'Welcome, {{name}}',
          html: '<p>Hi {{name}}</p>',
          text: 'Hi {{name}}',
        },
      }),
    );
    const client = legacyClient(relay.port, sendKey);
    const templated = await client.sendMail({
      from: 'app@acme.test',
      to: 'templated@example.test',
      text: 'ignored: the template is the body',
      headers: {
        'X-Sendflow-Template': template.id as string,
        'X-Sendflow-Template-Data': JSON.stringify({ name: 'Ada' }),
        'X-Sendflow-Tags': 'welcome, onboarding',
      },
    });
    const [templatedId] = idsOf(templated.response);
    expect(await stack.waitForStatus(templatedId, ['delivered'])).toMatchObject({
      source: 'smtp',
      subject: 'Welcome, Ada',
      tags: ['welcome', 'onboarding'],
    });
    expect(deliveriesTo(stack, 'templated@example.test')[0].parsed.text?.trim()).toBe('Hi Ada');

    const tagged = await client.sendMail({
      from: 'app@acme.test',
      to: 'tagged@example.test',
      subject: 'Spring sale',
      text: 'Everything must go',
      headers: {
        'X-Sendflow-Tags': 'sale',
        'X-Sendflow-Metadata-Campaign': 'spring',
        'X-Sendflow-Message-Type': 'marketing',
      },
    });
    const [taggedId] = idsOf(tagged.response);
    expect(await stack.waitForStatus(taggedId, ['delivered'])).toMatchObject({
      tags: ['sale'],
      metadata: { campaign: 'spring' },
      message_type: 'marketing',
    });
    const delivered = deliveriesTo(stack, 'tagged@example.test')[0];
    expect(delivered.raw).not.toMatch(/^X-Sendflow-(Tags|Metadata|Message-Type)/im);

    const typo = await failureOf(
      client.sendMail({
        from: 'app@acme.test',
        to: 'typo@example.test',
        subject: 's',
        text: 't',
        headers: { 'X-Sendflow-Tag': 'oops' },
      }),
    );
    expect(typo.responseCode).toBe(550);
    expect(typo.response).toMatch(/X-Sendflow-Tag: unknown Sendflow directive header/);
  });

  it("answers 451 over the key's rate limit and for a suspended project, with text", async () => {
    const c = stack.database.collections;
    const { secret } = await createApiKey(c, {
      projectId: stack.projectId,
      name: 'slow',
      scopes: ['send'],
      rateLimitPerMinute: 1,
    });
    const client = legacyClient(relay.port, secret);
    const mail = { from: 'app@acme.test', to: 'limited@example.test', subject: 's', text: 't' };
    await client.sendMail(mail);
    const limited = await failureOf(client.sendMail(mail));
    expect(limited.responseCode).toBe(451);
    expect(limited.response).toMatch(/Rate limit of 1 requests per minute exceeded/);

    await c.projects.updateOne({ _id: stack.projectId }, { $set: { suspended_reason: 'bounce rate 12%' } });
    try {
      const suspended = await failureOf(legacyClient(relay.port, sendKey).sendMail(mail));
      expect(suspended.responseCode).toBe(451);
      expect(suspended.response).toMatch(/Sending is paused for this project: bounce rate 12%/);
    } finally {
      await c.projects.updateOne({ _id: stack.projectId }, { $unset: { suspended_reason: '' } });
    }
  });

  it('answers 451 when Temporal cannot be reached and keeps nothing half accepted', async () => {
    // Nothing listens on port 1; two gRPC attempts instead of the default ten keep the test short.
    const lazy = Connection.lazy({
      address: '127.0.0.1:1',
      connectTimeout: 1000,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
    });
    const down = await startRelay(stack, {
      workflows: createMessageWorkflows(new Client({ connection: lazy }), stack.config.TEMPORAL_TASK_QUEUE),
    });
    try {
      const c = stack.database.collections;
      const failure = await failureOf(
        legacyClient(down.port, sendKey).sendMail({
          from: 'app@acme.test',
          to: ['half-1@example.test', 'half-2@example.test'],
          subject: 'nothing half accepted',
          text: 't',
          messageId: '<half-accepted@acme.test>',
        }),
      );
      expect(failure.responseCode).toBe(451);
      expect(await c.messages.countDocuments({ recipient: /^half-/ })).toBe(0);
      const claimed = await c.idempotencyClaims.distinct('message_id');
      expect(await c.messages.countDocuments({ _id: { $in: claimed } })).toBe(claimed.length);
      const orphans = await stack.database.db
        .collection('raw_mime.files')
        .countDocuments({ _id: { $nin: await c.messages.distinct('raw_mime.gridfs_id') } });
      expect(orphans).toBe(0);
    } finally {
      await down.close();
    }
  });

  it('leaves nothing behind when the client drops mid-DATA', async () => {
    const insecure = await startRelay(stack, { allowInsecureAuth: true });
    const c = stack.database.collections;
    const chunksBefore = await stack.database.db.collection('raw_mime.chunks').countDocuments();
    try {
      const socket = net.connect(insecure.port, '127.0.0.1');
      const lines: string[] = [];
      socket.on('data', (d) => lines.push(d.toString()));
      const expectReply = async (code: string) => {
        for (
          let i = 0;
          i < 100 && !lines.join('').includes(`\r\n${code}`) && !lines.join('').startsWith(code);
          i++
        )
          await settle(20);
        expect(lines.join('')).toMatch(new RegExp(`(^|\\r\\n)${code}[ -]`));
        lines.length = 0;
      };
      await expectReply('220');
      socket.write('EHLO legacy.test\r\n');
      await expectReply('250');
      socket.write(`AUTH PLAIN ${Buffer.from(`\0legacy\0${sendKey}`).toString('base64')}\r\n`);
      await expectReply('235');
      socket.write('MAIL FROM:<app@acme.test>\r\nRCPT TO:<dropped@example.test>\r\n');
      await expectReply('250');
      socket.write('DATA\r\n');
      await expectReply('354');
      socket.write(
        `From: app@acme.test\r\nTo: dropped@example.test\r\nSubject: half\r\n\r\n${'x'.repeat(600_000)}`,
      );
      await settle(300);
      socket.destroy();
      await settle(1500);
      expect(await c.messages.countDocuments({ recipient: 'dropped@example.test' })).toBe(0);
      expect(await stack.database.db.collection('raw_mime.chunks').countDocuments()).toBe(chunksBefore);
      expect(deliveriesTo(stack, 'dropped@example.test')).toHaveLength(0);
    } finally {
      await insecure.close();
    }
  });

  it('speaks implicit TLS on a second port', async () => {
    const both = await startRelay(stack, { tlsPort: 0 });
    try {
      const info = await legacyClient(both.tlsPort as number, sendKey, { secure: true }).sendMail({
        from: 'app@acme.test',
        to: 'implicit@example.test',
        subject: 'over implicit TLS',
        text: 't',
      });
      await stack.waitForStatus(idsOf(info.response)[0], ['delivered']);
    } finally {
      await both.close();
    }
  });
});
