import { createHmac } from 'node:crypto';
import { createApiKey, ensureProject } from '../../src/accounts/apiKeys';
import { startTestStack, type TestStack } from '../support/testStack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

type Json = Record<string, unknown>;

// The emails-endpoint reference: every example and error row, with MX checking on as it has it.
let stack: TestStack;
let receiver: WebhookReceiver;
let sendOnly: string;
let full: string;

function call(method: string, path: string, key: string | null, body?: unknown) {
  return fetch(stack.baseUrl + path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function expectError(res: Response, status: number, error: string, message?: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Json;
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(error);
  if (message) expect(body.message).toBe(message);
}

const email = {
  from: 'Acme <hello@acme.test>',
  subject: 'Welcome',
  text: 'Hello there',
  html: '<p>Hello there</p>',
};

beforeAll(async () => {
  stack = await startTestStack({ SENDFLOW_VERIFY_MX: 'true', SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true' });
  for (const domain of ['example.test', 'example.org'])
    stack.dns.setMx(domain, [{ exchange: `mx.${domain}`, priority: 10 }]);
  receiver = await startWebhookReceiver();
  const created = async (type: string) =>
    ((await (await stack.request('POST', '/v1/api-keys', { body: { name: type, type } })).json()) as Json)
      .secret as string;
  sendOnly = await created('send_only');
  full = await created('full');
});
afterAll(async () => {
  await receiver?.close();
  await stack?.close();
});

describe('POST /api/v1/emails', () => {
  it('queues one message per address in `to` and answers 202', async () => {
    const res = await call('POST', '/api/v1/emails', sendOnly, {
      ...email,
      to: ['one@example.test', 'two@example.org'],
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; ids: string[]; status: string };
    expect(body.status).toBe('queued');
    expect(body.ids).toHaveLength(2);
    expect(body.id).toBe(body.ids[0]);
    for (const id of body.ids) await stack.waitForStatus(id, ['delivered']);
    for (const to of ['one@example.test', 'two@example.org']) {
      const mail = stack.sink.received.find((m) => m.envelopeTo.includes(to));
      expect(mail?.parsed.subject).toBe('Welcome');
      expect(mail?.parsed.from?.value[0]).toEqual({ name: 'Acme', address: 'hello@acme.test' });
    }
  });

  it('takes `to` as a single string too', async () => {
    const res = await call('POST', '/api/v1/emails', sendOnly, { ...email, to: 'single@example.test' });
    expect(res.status).toBe(202);
  });

  it('answers 400 bad_request with the reference’s message when a required field is missing', async () => {
    for (const missing of ['from', 'to', 'subject']) {
      const body: Json = { ...email, to: 'x@example.test' };
      delete body[missing];
      await expectError(
        await call('POST', '/api/v1/emails', sendOnly, body),
        400,
        'bad_request',
        'from, to, subject, and text or html are required.',
      );
    }
    await expectError(
      await call('POST', '/api/v1/emails', sendOnly, {
        from: email.from,
        to: 'x@example.test',
        subject: 's',
      }),
      400,
      'bad_request',
      'from, to, subject, and text or html are required.',
    );
  });

  it('answers 401 unauthorized without a valid key', async () => {
    await expectError(
      await call('POST', '/api/v1/emails', null, { ...email, to: 'x@example.test' }),
      401,
      'unauthorized',
    );
    await expectError(
      await call('POST', '/api/v1/emails', 'sk_live_nope', { ...email, to: 'x@example.test' }),
      401,
      'unauthorized',
    );
  });

  it('answers 403 forbidden outside a key’s domains, and 422 unprocessable_entity for an unverified domain', async () => {
    const scoped = await stack.createKey(['send'], { domains: ['other.test'] });
    await expectError(
      await call('POST', '/api/v1/emails', scoped, { ...email, to: 'x@example.test' }),
      403,
      'forbidden',
    );
    await expectError(
      await call('POST', '/api/v1/emails', sendOnly, {
        ...email,
        from: 'a@unverified.test',
        to: 'x@example.test',
      }),
      422,
      'unprocessable_entity',
    );
  });

  it('answers 422 invalid_recipient for a recipient domain without MX records', async () => {
    await expectError(
      await call('POST', '/api/v1/emails', sendOnly, { ...email, to: 'someone@no-mail-server.test' }),
      422,
      'invalid_recipient',
    );
  });

  it('answers 403 account_suspended, 429 too_many_requests and 402 insufficient_credits', async () => {
    const c = stack.database.collections;
    const projectId = `${stack.projectId}_limits`;
    await ensureProject(c, projectId, 'limits');
    const own = (await createApiKey(c, { projectId, name: 'own', scopes: ['send'], rateLimitPerMinute: 2 }))
      .secret;
    await c.projects.updateOne({ _id: projectId }, { $set: { 'plan.daily_quota': 0 } });
    await expectError(
      await call('POST', '/api/v1/emails', own, { ...email, to: 'x@example.test' }),
      402,
      'insufficient_credits',
    );
    await c.projects.updateOne(
      { _id: projectId },
      { $set: { suspended_at: new Date(), suspended_reason: 'bounce rate 9%' } },
    );
    await expectError(
      await call('POST', '/api/v1/emails', own, { ...email, to: 'x@example.test' }),
      403,
      'account_suspended',
    );
    await expectError(
      await call('POST', '/api/v1/emails', own, { ...email, to: 'x@example.test' }),
      429,
      'too_many_requests',
    );
  });
});

describe('GET /api/v1/emails', () => {
  it('lists and reads emails with a full key, 403 forbidden with a send_only key, 404 not_found', async () => {
    const sent = (await (
      await call('POST', '/api/v1/emails', sendOnly, { ...email, to: 'read@example.test' })
    ).json()) as Json;
    await stack.waitForStatus(sent.id as string, ['delivered']);
    await expectError(await call('GET', '/api/v1/emails', sendOnly), 403, 'forbidden');
    await expectError(await call('GET', `/api/v1/emails/${sent.id}`, sendOnly), 403, 'forbidden');
    const list = (await (await call('GET', '/api/v1/emails?limit=2', full)).json()) as {
      data: Json[];
      has_more: boolean;
    };
    expect(list.data[0]).toMatchObject({ id: sent.id, to: ['read@example.test'], subject: 'Welcome' });
    const one = (await (await call('GET', `/api/v1/emails/${sent.id}`, full)).json()) as Json;
    expect(one).toMatchObject({ id: sent.id, status: 'delivered', last_event: 'email.delivered' });
    await expectError(await call('GET', '/api/v1/emails/msg_unknown', full), 404, 'not_found');
  });
});

describe('webhooks in this dialect', () => {
  it('posts its event names with X-Sendex-Signature: sha256=<hmac of the raw body>', async () => {
    const hook = (await (
      await stack.request('POST', '/v1/webhooks', {
        body: {
          url: receiver.url,
          format: 'sendex',
          events: ['email.sent', 'email.delivered', 'email.failed'],
        },
      })
    ).json()) as Json;
    expect(hook).toMatchObject({ format: 'sendex' });
    const sent = (await (
      await call('POST', '/api/v1/emails', sendOnly, { ...email, to: 'hooked@example.test' })
    ).json()) as Json;
    const hooks = await receiver.waitFor(2);
    const bodies = hooks.map((h) => JSON.parse(h.body) as { event: string; created_at: string; data: Json });
    expect(bodies.map((b) => b.event).sort()).toEqual(['email.delivered', 'email.sent']);
    for (const [i, h] of hooks.entries()) {
      const expected = `sha256=${createHmac('sha256', hook.secret as string)
        .update(h.body)
        .digest('hex')}`;
      expect(h.headers['x-sendex-signature']).toBe(expected);
      expect(bodies[i].data).toMatchObject({ message_id: sent.id, recipient: 'hooked@example.test' });
    }
    const wrong = await stack.request('POST', '/v1/webhooks', {
      body: { url: receiver.url, format: 'sendex', events: ['email.queued'] },
    });
    // Known event names, but not of this format: a combination the API refuses (422).
    expect(wrong.status).toBe(422);
    expect(await wrong.json()).toMatchObject({ errors: [{ field: 'events.0' }] });
  });
});
