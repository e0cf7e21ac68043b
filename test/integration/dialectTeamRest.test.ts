import { createApiKey, ensureProject } from '../../src/accounts/apiKeys';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;

// Every row of the team-key REST reference's error table, and its success, against the real stack.
let stack: TestStack;
let key: string;
const PATH = '/api/v1/rest/send/email';
const valid = {
  from: { email: 'orders@acme.test', name: 'Acme Orders' },
  to: [{ email: 'ada@example.test', name: 'Ada', customFields: { order: 'A-17' } }],
  subject: 'Order {{order}} shipped',
  htmlBody: '<p>Hi {{name}}, order {{order}} is on its way.</p>',
  textBody: 'Hi {{name}}, order {{order}} is on its way.',
};

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(stack.baseUrl + PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-team-apikey': key, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function expectError(res: Response, status: number, message: string) {
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ status: 'error', message });
}

async function setPlan(plan: Json) {
  const set = Object.fromEntries(Object.entries(plan).map(([k, v]) => [`plan.${k}`, v]));
  await stack.database.collections.projects.updateOne({ _id: stack.projectId }, { $set: set });
}

beforeAll(async () => {
  stack = await startTestStack();
  key = await stack.createKey(['send']);
});
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  await stack.database.collections.projects.updateOne({ _id: stack.projectId }, { $unset: { plan: '' } });
});

describe('POST /api/v1/rest/send/email', () => {
  it('answers 202 success and personalises each recipient’s copy from customFields', async () => {
    const res = await post(
      {
        ...valid,
        to: [...valid.to, { email: 'grace@example.test', name: 'Grace', customFields: { order: 'B-2' } }],
        replyTo: { email: 'support@acme.test' },
        headers: { 'X-Order-Batch': 'nightly' },
      },
      { 'list-unsubscribe': '<mailto:unsubscribe@acme.test>' },
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'success', message: 'Email queued for delivery' });
    for (const [to, name, order] of [
      ['ada@example.test', 'Ada', 'A-17'],
      ['grace@example.test', 'Grace', 'B-2'],
    ]) {
      let mail = stack.sink.received.find((m) => m.envelopeTo.includes(to));
      for (let i = 0; !mail && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100));
        mail = stack.sink.received.find((m) => m.envelopeTo.includes(to));
      }
      expect(mail?.parsed.subject).toBe(`Order ${order} shipped`);
      expect(mail?.parsed.text?.trim()).toBe(`Hi ${name}, order ${order} is on its way.`);
      expect(mail?.parsed.from?.value[0]).toEqual({ name: 'Acme Orders', address: 'orders@acme.test' });
      expect(mail?.parsed.to).toMatchObject({ value: [{ name, address: to }] });
      expect(mail?.parsed.replyTo?.value[0].address).toBe('support@acme.test');
      expect(mail?.raw).toMatch(/^List-Unsubscribe: <mailto:unsubscribe@acme\.test>\r$/m);
      expect(mail?.parsed.headers.get('x-order-batch')).toBe('nightly');
    }
    // Custom headers travel with the message into its webhook events.
    const listed = (await (await stack.request('GET', '/v1/messages?recipient=ada@example.test')).json()) as {
      data: Json[];
    };
    const detail = (await (
      await stack.request('GET', `/v1/messages/${listed.data[0].message_id}`)
    ).json()) as Json;
    expect(detail.headers).toMatchObject({ 'X-Order-Batch': 'nightly' });
  });

  it('runs a mock send (X-SendPost-Mock-Email: true) in test mode: captured, never delivered', async () => {
    const res = await post(
      { ...valid, to: [{ email: 'mock@example.test' }] },
      { 'x-sendpost-mock-email': 'true' },
    );
    expect(res.status).toBe(202);
    const listed = (await (
      await stack.request('GET', '/v1/messages?recipient=mock@example.test')
    ).json()) as {
      data: Json[];
    };
    const message = await stack.waitForStatus(listed.data[0].message_id as string, ['delivered']);
    expect(message).toMatchObject({ test: true });
    expect(stack.sink.received.filter((m) => m.envelopeTo.includes('mock@example.test'))).toHaveLength(0);
  });

  it('answers each 400 row of the error table with its message', async () => {
    await expectError(await post({ ...valid, to: [] }), 400, 'no recipients specified');
    await expectError(await post({ ...valid, to: undefined }), 400, 'no recipients specified');
    await expectError(await post({ ...valid, from: { name: 'x' } }), 400, 'from email is required');
    await expectError(
      await post({ ...valid, from: { email: 'not-an-address' } }),
      400,
      'from email must be a valid email address',
    );
    await expectError(
      await post({ ...valid, from: { email: 'orders@acme' } }),
      400,
      'invalid from email domain',
    );
    await expectError(
      await post({ ...valid, from: { email: 'orders@unverified.test' } }),
      400,
      'From email not whitelisted. Please add and verify the domain first.',
    );
    await expectError(
      await post({ ...valid, to: [...valid.to, { email: 'bad address' }] }),
      400,
      'Invalid recipient email address: invalid email format',
    );
    await setPlan({ transactional_enabled: false });
    await expectError(
      await post(valid),
      400,
      'Transactional email add-on is not active. Please activate it first at https://app.sendx.io/setting/addons.',
    );
  });

  it('answers 401 without a valid team key and 422 for a body that is not JSON or not the schema', async () => {
    await expectError(
      await post(valid, { 'x-team-apikey': 'nope' }),
      401,
      'The Team ID or API Key specified is not valid',
    );
    const missing = await fetch(stack.baseUrl + PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(valid),
    });
    await expectError(missing, 401, 'The Team ID or API Key specified is not valid');
    await expectError(await post('{"from": '), 422, 'invalid request body');
    await expectError(await post({ ...valid, subject: 42 }), 422, 'invalid request body');
    await expectError(await post({ ...valid, htmlBody: undefined }), 422, 'invalid request body');
  });

  it('answers the 429 account-limit rows with their messages', async () => {
    // A project of its own, with nothing sent today yet.
    const projectId = `${stack.projectId}_limits`;
    await ensureProject(stack.database.collections, projectId, 'limits');
    const own = {
      'x-team-apikey': (
        await createApiKey(stack.database.collections, { projectId, name: 'limits', scopes: ['send'] })
      ).secret,
    };
    const setPlan = async (plan: Json) => {
      const set = Object.fromEntries(Object.entries(plan).map(([k, v]) => [`plan.${k}`, v]));
      await stack.database.collections.projects.updateOne({ _id: projectId }, { $set: set });
    };
    const two = { ...valid, to: [{ email: 'l1@example.test' }, { email: 'l2@example.test' }] };
    await setPlan({ daily_quota: 0 });
    await expectError(
      await post(two, own),
      429,
      'Account email sending limit exceeded. Please upgrade your plan.',
    );
    await setPlan({ daily_quota: 1 });
    await expectError(
      await post(two, own),
      429,
      'Account email sending limit exceeded. Current api has 2 contacts, but only 1 emails can be sent.',
    );
    await setPlan({ contact_limit: 1 });
    await expectError(
      await post(two, own),
      429,
      'Contact limit exceeded. Current api has 2 contacts, but only 1 emails can be sent.',
    );
    expect(await stack.database.collections.messages.countDocuments({ recipient: /^l[12]@/ })).toBe(0);
  });
});
