import { type SmtpSink, startSmtpSink } from '../../devtools/smtpSink';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Routing', text: 'Hi' };

describe('routing through named SMTP relays', () => {
  let stack: TestStack;
  let relay: SmtpSink;
  beforeAll(async () => {
    // The relays of this file run on this machine: an operator allows that explicitly.
    [stack, relay] = await Promise.all([
      startTestStack({ SENDFLOW_ROUTES_ALLOW_PRIVATE: 'true' }),
      startSmtpSink(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), relay?.close()]);
  });
  const json = async (res: Response) => (await res.json()) as Json;
  const deliver = async (body: Json) => {
    const { message_id } = await json(
      await stack.request('POST', '/v1/messages', { body: { ...base, ...body } }),
    );
    return stack.waitForStatus(message_id as string, ['delivered', 'bounced', 'deferred']);
  };

  it('sends matching recipient domains and priorities through their route and the rest through SMTP_URL', async () => {
    const created = await stack.request('POST', '/v1/routes', {
      body: { name: 'eu-relay', url: relay.url, tls: 'none', match: { recipient_domains: ['routed.test'] } },
    });
    expect(created.status).toBe(201);
    await stack.request('POST', '/v1/routes', {
      body: { name: 'urgent', url: relay.url, tls: 'none', match: { priorities: ['high'] } },
    });

    expect(await deliver({ recipient: 'a@routed.test' })).toMatchObject({
      status: 'delivered',
      last_smtp: { route: 'eu-relay' },
    });
    expect(await deliver({ recipient: 'b@elsewhere.test', priority: 'high' })).toMatchObject({
      last_smtp: { route: 'urgent' },
    });
    expect(await deliver({ recipient: 'c@elsewhere.test' })).toMatchObject({
      last_smtp: { route: 'default' },
    });
    expect(relay.received.map((m) => m.envelopeTo[0])).toEqual(['a@routed.test', 'b@elsewhere.test']);
    expect(stack.sink.received.map((m) => m.envelopeTo[0])).toContain('c@elsewhere.test');
  });

  it('fails over to the next matching route in the same attempt when a relay is unreachable', async () => {
    await stack.request('POST', '/v1/routes', {
      body: {
        name: 'dead',
        url: 'smtp://relay-user:s3cret@127.0.0.1:1',
        position: 1,
        match: { recipient_domains: ['failover.test'] },
      },
    });
    await stack.request('POST', '/v1/routes', {
      body: {
        name: 'backup',
        url: relay.url,
        tls: 'none',
        position: 2,
        match: { recipient_domains: ['failover.test'] },
      },
    });
    const message = await deliver({ recipient: 'x@failover.test' });
    expect(message).toMatchObject({ status: 'delivered', attempts: 1, last_smtp: { route: 'backup' } });

    const list = await json(await stack.request('GET', '/v1/routes'));
    const dead = (list.data as Json[]).find((r) => r.name === 'dead');
    expect(dead?.url).toBe('smtp://relay-user:***@127.0.0.1:1');
    expect(JSON.stringify(list)).not.toContain('s3cret');
  });

  it('does not fail over on an SMTP answer: a 5xx from the first route is a bounce', async () => {
    relay.replyForRecipient('rejected@routed.test', { code: 550, message: '5.1.1 Unknown user' });
    const message = await deliver({ recipient: 'rejected@routed.test' });
    expect(message).toMatchObject({ status: 'bounced', last_smtp: { route: 'eu-relay', code: 550 } });
    expect(stack.sink.attemptLog.some((a) => a.to.includes('rejected@routed.test'))).toBe(false);
  });

  it('validates routes', async () => {
    const res = await stack.request('POST', '/v1/routes', {
      body: { name: 'Bad Name', url: 'http://x', pool_size: 0 },
    });
    expect(res.status).toBe(400);
    expect(((await json(res)).errors as Json[]).map((e) => e.field).sort()).toEqual([
      'name',
      'pool_size',
      'url',
    ]);
  });
});
