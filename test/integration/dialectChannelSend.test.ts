import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;

// The requests of the channel-tagged send reference, through HTTP against the real stack.
let stack: TestStack;
const send = (body: unknown) => stack.request('POST', '/v1/send', { body });
const json = async (res: Response) => (await res.json()) as Json;
const email = (to: string, extra: Json = {}) => ({
  channel: 'email',
  destination: { email: to },
  payload: { subject: 'Hi', body_html: '<p>Hi</p>' },
  metadata: { from_email: 'receipts@acme.test' },
  ...extra,
});

beforeAll(async () => {
  stack = await startTestStack();
  await stack.request('POST', '/v1/domains', { body: { name: 'acme.test', default_from_name: 'Acme' } });
});
afterAll(async () => {
  await stack?.close();
});

describe('POST /v1/send (channel-tagged)', () => {
  it('sends an email with a name-addr from_email, generating and echoing the idempotency key', async () => {
    const res = await send(
      email('ada@example.test', {
        payload: { subject: 'Your receipt', body_html: '<p>Paid</p>', body_text: 'Paid' },
        metadata: { from_email: '"Acme Receipts" <receipts@acme.test>', order: '1182' },
      }),
    );
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(body).toMatchObject({ status: 'queued', recipient: 'ada@example.test', channel: 'email' });
    expect(body.idempotency_key).toMatch(/^idk_/);
    const delivered = await stack.waitForStatus(body.message_id as string, ['delivered']);
    expect(delivered).toMatchObject({ subject: 'Your receipt', metadata: { order: '1182' } });
    const mail = stack.sink.received.find((m) => m.envelopeTo.includes('ada@example.test'));
    expect(mail?.parsed.from?.value[0]).toEqual({ name: 'Acme Receipts', address: 'receipts@acme.test' });
    expect(mail?.parsed.text?.trim()).toBe('Paid');

    const retried = await send(
      email('ada@example.test', {
        idempotency_key: body.idempotency_key,
        payload: { subject: 'Your receipt', body_html: '<p>Paid</p>', body_text: 'Paid' },
        metadata: { from_email: '"Acme Receipts" <receipts@acme.test>', order: '1182' },
      }),
    );
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(retried)).message_id).toBe(body.message_id);
  });

  it("shows the domain's default sender name for a bare from_email", async () => {
    const res = await send(email('bare@example.test'));
    const { message_id } = await json(res);
    await stack.waitForStatus(message_id as string, ['delivered']);
    const mail = stack.sink.received.find((m) => m.envelopeTo.includes('bare@example.test'));
    expect(mail?.parsed.from?.value[0]).toEqual({ name: 'Acme', address: 'receipts@acme.test' });
  });

  it('answers 409 idempotency_key_reused when a key comes back with another payload', async () => {
    expect((await send(email('key@example.test', { idempotency_key: 'order-77' }))).status).toBe(202);
    const reused = await send(
      email('key@example.test', {
        idempotency_key: 'order-77',
        payload: { subject: 'Other', body_html: '<p>x</p>' },
      }),
    );
    expect(reused.status).toBe(409);
    expect(await json(reused)).toMatchObject({ error: 'idempotency_key_reused' });
  });

  it('answers 422 channel_not_enabled for sms and voice, and 422 for push and webhook', async () => {
    for (const channel of ['sms', 'voice']) {
      const res = await send({
        channel,
        destination: { phone: '+15555550100' },
        payload: { text: '123456' },
      });
      expect(res.status).toBe(422);
      expect(await json(res)).toMatchObject({ error: 'channel_not_enabled' });
    }
    for (const channel of ['push', 'webhook']) {
      const res = await send({ ...email('x@example.test'), channel });
      expect(res.status).toBe(422);
      expect((await json(res)).message).toMatch(/not a production send channel/);
    }
  });

  it('renders a stored template from template_id and template_vars, as marketing when asked', async () => {
    const template = await json(
      await stack.request('POST', '/v1/templates', {
        body: { name: 'welcome', subject: 'Welcome {{name}}', html: '<p>Hi {{name}}</p>' },
      }),
    );
    const res = await send({
      channel: 'email',
      destination: { email: 'tpl@example.test' },
      metadata: { from_email: 'hello@acme.test' },
      template_id: template.id,
      template_vars: { name: 'Grace' },
      message_type: 'marketing',
    });
    expect(res.status).toBe(202);
    const delivered = await stack.waitForStatus((await json(res)).message_id as string, ['delivered']);
    expect(delivered).toMatchObject({ subject: 'Welcome Grace', message_type: 'marketing' });
  });

  it('names the dialect’s fields in field errors', async () => {
    const res = await send({
      channel: 'email',
      destination: { email: 'no-content@example.test' },
      metadata: { from_email: 'a@acme.test' },
    });
    expect(res.status).toBe(400);
    const fields = ((await json(res)).errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['payload.body_html']));
  });
});

describe('POST /v1/send/batch', () => {
  it("keeps request order with per-item results; the reference's example works as printed", async () => {
    const res = await stack.request('POST', '/v1/send/batch', {
      body: [
        {
          channel: 'email',
          idempotency_key: 'b1',
          destination: { email: 'b1@example.test' },
          payload: { subject: 'Hi', body_html: '<p>Hi</p>' },
          metadata: { from_email: 'hi@acme.test' },
        },
        { channel: 'sms', destination: { phone: '+15555550100' } },
        {
          channel: 'email',
          idempotency_key: 'b2',
          destination: { email: 'b2@example.test' },
          payload: { subject: 'Hi', body_html: '<p>Hi</p>' },
          metadata: { from_email: 'hi@acme.test' },
        },
      ],
    });
    expect(res.status).toBe(200);
    const { data } = (await json(res)) as { data: Json[] };
    expect(data.map((d) => d.status)).toEqual([202, 422, 202]);
    expect(data[0]).toMatchObject({ idempotency_key: 'b1', recipient: 'b1@example.test' });
    expect(data[1]).toMatchObject({ error: 'channel_not_enabled' });
    expect(data[2]).toMatchObject({ idempotency_key: 'b2', recipient: 'b2@example.test' });
    for (const item of [data[0], data[2]])
      await stack.waitForStatus(item.message_id as string, ['delivered']);
  });
});
