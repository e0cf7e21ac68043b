import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;

// The message-API reference: its example request and response as printed, and /unsubscribes.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ SENDFLOW_VERIFIED_DOMAINS: 'example.com:*' });
});
afterAll(async () => {
  await stack?.close();
});

describe('the message API reference', () => {
  it('answers its example request (no from, a template by name, X-Idempotency-Key in headers) as printed', async () => {
    const noSender = await stack.request('POST', '/v1/messages', {
      body: { recipient: 'user@example.com', subject: 's', text: 't' },
    });
    // Well-formed (from is optional) but the project has no default sender yet.
    expect(noSender.status).toBe(422);
    expect(((await noSender.json()) as Json).message).toMatch(/default_from/);

    // What the reference's account has behind the example: a default sender and the template.
    const settings = await stack.request('PUT', '/v1/account/settings', {
      body: { default_from: '"Sendarix" <no-reply@example.com>' },
    });
    expect(settings.status).toBe(200);
    expect(((await settings.json()) as Json).default_from).toBe('"Sendarix" <no-reply@example.com>');
    await stack.request('POST', '/v1/templates', {
      body: {
        name: 'otp-code',
        subject: 'Your code',
        text: 'Your code is {{code}}; it expires in {{expires_in}}.',
      },
    });

    const example = {
      recipient: 'user@example.com',
      subject: 'Your verification code',
      template: 'otp-code',
      template_data: { code: '847291', expires_in: '5 minutes' },
      headers: { 'X-Idempotency-Key': 'uuid-v4-here' },
    };
    const res = await stack.request('POST', '/v1/messages', { body: example });
    expect(res.status).toBe(202);
    const body = (await res.json()) as Json;
    expect(Object.keys(body).sort()).toEqual(['created_at', 'message_id', 'recipient', 'status']);
    expect(body).toMatchObject({ status: 'queued', recipient: 'user@example.com' });
    expect(body.message_id).toMatch(/^msg_/);

    const again = await stack.request('POST', '/v1/messages', { body: example });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(body);

    await stack.waitForStatus(body.message_id as string, ['delivered']);
    const mails = stack.sink.received.filter((m) => m.envelopeTo.includes('user@example.com'));
    expect(mails).toHaveLength(1);
    expect(mails[0].parsed.subject).toBe('Your verification code');
    expect(mails[0].parsed.text?.trim()).toBe('Your code is 847291; it expires in 5 minutes.');
    expect(mails[0].parsed.from?.value[0]).toEqual({ name: 'Sendarix', address: 'no-reply@example.com' });

    const unverified = await stack.request('PUT', '/v1/account/settings', {
      body: { default_from: 'no-reply@unverified.test' },
    });
    expect(unverified.status).toBe(422);
  });

  it('manages unsubscribes at /v1/unsubscribes: they stop marketing mail, not transactional', async () => {
    const added = await stack.request('POST', '/v1/unsubscribes', {
      body: { recipient: 'Gone@Example.com' },
    });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ recipient: 'gone@example.com', reason: 'user_unsubscribed' });
    const listed = (await (await stack.request('GET', '/v1/unsubscribes')).json()) as { data: Json[] };
    expect(listed.data.map((u) => u.recipient)).toContain('gone@example.com');
    expect((await stack.request('GET', '/v1/unsubscribes/gone@example.com')).status).toBe(200);

    const base = { from: 'news@example.com', recipient: 'gone@example.com', subject: 'News', text: 'hi' };
    const marketing = await stack.sendMessage({ ...base, message_type: 'marketing' });
    const transactional = await stack.sendMessage(base);
    expect(await stack.waitForStatus(marketing.messageId, ['suppressed'])).toMatchObject({
      status: 'suppressed',
    });
    expect(await stack.waitForStatus(transactional.messageId, ['delivered'])).toMatchObject({
      status: 'delivered',
    });

    expect((await stack.request('DELETE', '/v1/unsubscribes/gone@example.com')).status).toBe(200);
    expect((await stack.request('GET', '/v1/unsubscribes/gone@example.com')).status).toBe(404);
  });
});
