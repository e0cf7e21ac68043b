import nodemailer from 'nodemailer';
import { type InboundServer, startInboundServer } from '../../src/bounces/inboundServer';
import { createLogger } from '../../src/logger';
import { createWebhookWorkflows } from '../../src/temporal/webhookWorkflows';
import { startTestStack, type TestStack } from '../support/testStack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

type Json = Record<string, unknown>;
const BOUNCE_DOMAIN = 'bounce.acme.test';
const base = { from: 'app@acme.test', subject: 'Your receipt', text: 'Thanks' };

function dsn(returnPath: string, recipient: string, status: string, diagnostic: string): string {
  return [
    'From: MAILER-DAEMON@mx.example.org',
    `To: ${returnPath}`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN1"',
    '',
    '--DSN1',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '',
    '--DSN1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.org',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Action: ${status.startsWith('5') ? 'failed' : 'delayed'}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    '--DSN1',
    'Content-Type: text/rfc822-headers',
    '',
    'From: app@acme.test',
    `To: ${recipient}`,
    'Subject: Your receipt',
    '',
    '--DSN1--',
    '',
  ].join('\r\n');
}

function arf(returnPath: string, recipient: string): string {
  return [
    'From: fbl@isp.example.net',
    'To: abuse@acme.test',
    'Subject: Abuse report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF1"',
    '',
    '--ARF1',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report.',
    '',
    '--ARF1',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ExampleFBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${recipient}`,
    '',
    '--ARF1',
    'Content-Type: message/rfc822',
    '',
    `Return-Path: <${returnPath}>`,
    'From: app@acme.test',
    `To: ${recipient}`,
    'Subject: Your receipt',
    '',
    'Thanks',
    '',
    '--ARF1--',
    '',
  ].join('\r\n');
}

/**
 * The bounce loop on real components: messages leave with a signed VERP return path, and a
 * real SMTP listener for the bounce domain turns DSNs and ARF reports into statuses.
 */
describe('bounces and complaints that arrive after a 250', () => {
  let stack: TestStack;
  let inbound: InboundServer;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [stack, receiver] = await Promise.all([
      startTestStack({ SENDFLOW_BOUNCE_DOMAIN: BOUNCE_DOMAIN, SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true' }),
      startWebhookReceiver(),
    ]);
    inbound = await startInboundServer(
      {
        collections: stack.database.collections,
        webhooks: createWebhookWorkflows(stack.temporal, stack.config.TEMPORAL_TASK_QUEUE),
        bounceDomain: BOUNCE_DOMAIN,
        logger: createLogger('silent', 'test-inbound'),
      },
      { port: 0, host: '127.0.0.1' },
    );
    const hook = await stack.request('POST', '/v1/webhooks', {
      body: { url: receiver.url, events: ['email.bounced', 'email.complained'] },
    });
    expect(hook.status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), inbound?.close(), receiver?.close()]);
  });

  const report = (to: string, raw: string) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: inbound.port, secure: false, ignoreTLS: true })
      .sendMail({ envelope: { from: '', to }, raw });
  const deliveredWithReturnPath = async (recipient: string) => {
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient });
    expect(await handle.result()).toBe('delivered');
    const mail = stack.sink.received.find((m) => m.envelopeTo.includes(recipient));
    return { messageId, returnPath: mail?.envelopeFrom as string };
  };
  const message = async (id: string) =>
    (await (await stack.request('GET', `/v1/messages/${id}`)).json()) as Json;

  it('sends each message with a signed VERP return path on the bounce domain', async () => {
    const { messageId, returnPath } = await deliveredWithReturnPath('receipt@example.org');
    expect(returnPath).toMatch(new RegExp(`^bounces\\+${messageId}\\.[0-9a-f]{20}@bounce\\.acme\\.test$`));
  });

  it('turns a 5.x.x DSN into a hard bounce after delivery, suppressing the address and telling webhooks', async () => {
    const { messageId, returnPath } = await deliveredWithReturnPath('gone-later@example.org');
    await report(returnPath, dsn(returnPath, 'gone-later@example.org', '5.1.1', '550 5.1.1 User unknown'));
    const after = await message(messageId);
    expect(after).toMatchObject({ status: 'bounced', bounce_type: 'hard', bounce_category: 'unknown_user' });
    expect((after.events as Json[]).map((e) => e.event)).toEqual(
      expect.arrayContaining(['email.delivered', 'email.bounced']),
    );
    const suppression = await stack.request('GET', '/v1/suppressions/gone-later@example.org');
    expect(((await suppression.json()) as Json).reason).toBe('hard_bounce');
    const hooks = await receiver.waitFor(1);
    expect(hooks.map((h) => JSON.parse(h.body).event)).toContain('email.bounced');
    const reports = (await (await stack.request('GET', '/v1/inbound')).json()) as { data: Json[] };
    expect(reports.data[0]).toMatchObject({
      kind: 'bounce',
      applied: 'bounced',
      message_id: messageId,
      status_code: '5.1.1',
    });
  });

  it('keeps a 4.x.x DSN as a note without changing the message', async () => {
    const { messageId, returnPath } = await deliveredWithReturnPath('slow@example.org');
    await report(
      returnPath,
      dsn(returnPath, 'slow@example.org', '4.2.2', '452 4.2.2 Mailbox full, still trying'),
    );
    expect((await message(messageId)).status).toBe('delivered');
    const reports = (await (await stack.request('GET', '/v1/inbound')).json()) as { data: Json[] };
    expect(reports.data[0]).toMatchObject({ kind: 'delay', applied: null, message_id: messageId });
  });

  it('turns an ARF report into a complaint', async () => {
    const { messageId, returnPath } = await deliveredWithReturnPath('annoyed@example.org');
    await report(`fbl@${BOUNCE_DOMAIN}`, arf(returnPath, 'annoyed@example.org'));
    expect((await message(messageId)).status).toBe('complained');
    const suppression = await stack.request('GET', '/v1/suppressions/annoyed@example.org');
    expect(((await suppression.json()) as Json).reason).toBe('complaint');
  });

  it('stores forged tokens, auto-replies and garbage without touching any message, and keeps listening', async () => {
    const { messageId, returnPath } = await deliveredWithReturnPath('target@example.org');
    const forged = returnPath.replace(/\.[0-9a-f]{20}@/, '.00000000000000000000@');
    await report(forged, dsn(forged, 'target@example.org', '5.1.1', '550 5.1.1 User unknown'));
    await report(
      returnPath,
      'From: someone@example.org\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\nBack on Monday.\r\n',
    );
    await report(returnPath, '\u0000\u0001 not a message at all \r\n\r\n');
    expect((await message(messageId)).status).toBe('delivered');
    const stored = await stack.database.collections.inbound
      .find({ envelope_to: { $in: [forged, returnPath] } })
      .toArray();
    expect(stored.map((d) => d.kind).sort()).toEqual(['auto_reply', 'forged', 'unrecognized']);
    // Still answering: a real DSN afterwards is applied.
    await report(returnPath, dsn(returnPath, 'target@example.org', '5.2.1', '550 5.2.1 Account disabled'));
    expect((await message(messageId)).status).toBe('bounced');
  });

  it('refuses mail for any other domain with 550', async () => {
    await expect(report('postmaster@acme.test', 'Subject: hi\r\n\r\nhello\r\n')).rejects.toMatchObject({
      responseCode: 550,
    });
  });
});
