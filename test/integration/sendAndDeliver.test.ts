import { startTestStack, type TestStack } from '../support/testStack';

describe('sending a message through the API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('delivers exactly one mail with the right headers and body and records a timeline', async () => {
    const res = await stack.request('POST', '/v1/messages', {
      body: {
        from: '"Acme Billing" <billing@acme.test>',
        recipient: 'Ada@Example.test',
        subject: 'Your invoice',
        html: '<p>Total: <b>42 EUR</b></p>',
        text: 'Total: 42 EUR',
        reply_to: 'support@acme.test',
        headers: { 'X-Campaign': 'invoices' },
        tags: ['invoice'],
        metadata: { invoice_id: 'inv_1' },
      },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const accepted = (await res.json()) as {
      message_id: string;
      status: string;
      recipient: string;
      created_at: string;
    };
    expect(accepted).toMatchObject({ status: 'queued', recipient: 'ada@example.test' });
    expect(accepted.message_id).toMatch(/^msg_/);

    const message = await stack.waitForStatus(accepted.message_id, ['delivered', 'bounced', 'deferred']);
    expect(message.status).toBe('delivered');
    expect(message.attempts).toBe(1);
    expect(message.last_smtp).toMatchObject({ code: 250, enhanced_code: '2.0.0', queue_id: 'SINK1' });
    const events = (message.events as { event: string }[]).map((e) => e.event);
    expect(events).toEqual(['email.queued', 'email.accepted', 'email.delivered']);

    await stack.sink.waitForMail(1);
    expect(stack.sink.received).toHaveLength(1);
    const mail = stack.sink.received[0];
    expect(mail.envelopeFrom).toBe('billing@acme.test');
    expect(mail.envelopeTo).toEqual(['ada@example.test']);
    expect(mail.parsed.from?.value[0]).toEqual({ name: 'Acme Billing', address: 'billing@acme.test' });
    expect(mail.parsed.subject).toBe('Your invoice');
    expect(mail.parsed.html).toContain('<b>42 EUR</b>');
    expect(mail.parsed.text?.trim()).toBe('Total: 42 EUR');
    expect(mail.parsed.replyTo?.value[0].address).toBe('support@acme.test');
    expect(mail.parsed.headers.get('x-campaign')).toBe('invoices');
    expect(mail.parsed.messageId).toBe(message.message_id_header);
  });

  it('answers a repeated idempotency key with the original response and sends no second mail', async () => {
    const body = { from: 'otp@acme.test', recipient: 'bob@example.test', subject: 'Code', text: '123456' };
    const headers = { 'Idempotency-Key': `otp-${Date.now()}` };
    const first = await stack.request('POST', '/v1/messages', { body, headers });
    expect(first.status).toBe(202);
    const firstBody = (await first.json()) as { message_id: string };
    await stack.waitForStatus(firstBody.message_id, ['delivered']);
    const before = stack.sink.received.length;

    const second = await stack.request('POST', '/v1/messages', { body, headers });
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(firstBody);

    const reused = await stack.request('POST', '/v1/messages', {
      body: { ...body, text: '654321' },
      headers,
    });
    expect(reused.status).toBe(409);
    expect(await reused.json()).toMatchObject({ error: 'idempotency_key_reused' });

    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.sink.received.length).toBe(before);
    expect(
      await stack.database.collections.messages.countDocuments({
        idempotency_key: headers['Idempotency-Key'],
      }),
    ).toBe(1);
  });

  it('bounces on a 5xx answer and suppresses the recipient', async () => {
    stack.sink.replyForRecipient('gone@example.test', { code: 550, message: '5.1.1 No such user here' });
    const res = await stack.request('POST', '/v1/messages', {
      body: { from: 'alerts@acme.test', recipient: 'gone@example.test', subject: 'Alert', text: 'Hi' },
    });
    const { message_id } = (await res.json()) as { message_id: string };
    const message = await stack.waitForStatus(message_id, ['bounced', 'delivered']);
    expect(message).toMatchObject({
      status: 'bounced',
      bounce_type: 'hard',
      last_smtp: { code: 550, enhanced_code: '5.1.1' },
    });
    expect((message.events as { event: string }[]).map((e) => e.event)).toEqual([
      'email.queued',
      'email.accepted',
      'email.bounced',
    ]);
    const suppression = await stack.database.collections.suppressions.findOne({
      recipient: 'gone@example.test',
    });
    expect(suppression).toMatchObject({
      project_id: stack.projectId,
      reason: 'hard_bounce',
      source_message_id: message_id,
    });

    const again = await stack.request('POST', '/v1/messages', {
      body: { from: 'alerts@acme.test', recipient: 'GONE@example.test', subject: 'Alert', text: 'Hi again' },
    });
    const second = (await again.json()) as { message_id: string };
    expect(
      await stack.waitForStatus(second.message_id, ['suppressed', 'delivered', 'bounced']),
    ).toMatchObject({
      status: 'suppressed',
      reason: 'hard_bounce',
    });
  });

  it('rejects a request without a key, and a malformed one with field errors, storing nothing', async () => {
    const noKey = await stack.request('POST', '/v1/messages', { key: null, body: {} });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: 'unauthorized', request_id: expect.any(String) });

    const bad = await stack.request('POST', '/v1/messages', {
      body: { from: 'not-an-address', recipient: 'x@example.test', text: 'hi' },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; errors: { field: string }[] };
    expect(body.error).toBe('bad_request');
    expect(body.errors.map((e) => e.field).sort()).toEqual(['from', 'subject']);
    expect(await stack.database.collections.messages.countDocuments({ recipient: 'x@example.test' })).toBe(0);
  });
});
