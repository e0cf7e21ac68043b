import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Stats', text: 'Hi' };

async function json(res: Response) {
  return (await res.json()) as Json;
}

describe('analytics', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('counts a known mix of delivered, deferred, bounced and complained messages', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    await stack.request('PUT', '/v1/delivery-policy', { body: { retry_schedule: ['1s'] } });
    stack.sink.replyForRecipient('late@example.test', { code: 451, message: '4.7.1 later' }, 1);
    for (const r of ['gone1@example.test', 'gone2@example.test']) {
      stack.sink.replyForRecipient(r, { code: 550, message: '5.1.1 no such user' });
    }
    const recipients = [
      ...Array.from({ length: 6 }, (_, i) => `ok${i}@example.test`),
      'late@example.test',
      'gone1@example.test',
      'gone2@example.test',
    ];
    const res = await stack.request('POST', '/v1/messages/batch', {
      body: recipients.map((recipient) => ({ ...base, recipient })),
    });
    const ids = ((await json(res)).data as Json[]).map((d) => d.message_id as string);
    for (const id of ids) await stack.waitForStatus(id, ['delivered', 'bounced']);

    const complaint = await stack.request('POST', `/v1/messages/${ids[0]}/complaint`);
    expect(complaint.status).toBe(200);
    expect(await json(complaint)).toMatchObject({ status: 'complained' });
    expect(
      await stack.database.collections.suppressions.findOne({ recipient: 'ok0@example.test' }),
    ).toMatchObject({ reason: 'complaint' });
    const notDelivered = await stack.request('POST', `/v1/messages/${ids[7]}/complaint`);
    expect(notDelivered.status).toBe(422);

    const stats = await json(await stack.request('GET', `/v1/analytics?since=${since}&bucket=hour`));
    expect(stats.totals).toEqual({
      'email.queued': 9,
      'email.accepted': 9,
      'email.deferred': 1,
      'email.delivered': 7,
      'email.bounced': 2,
      'email.complained': 1,
    });
    expect(stats.rates).toEqual({
      sent: 9,
      delivery_rate: 0.7778,
      bounce_rate: 0.2222,
      complaint_rate: 0.1429,
    });
    const series = stats.series as { counts: Record<string, number> }[];
    const summed = series.reduce((n, b) => n + (b.counts['email.delivered'] ?? 0), 0);
    expect(summed).toBe(7);

    const bad = await stack.request('GET', '/v1/analytics?since=yesterday&bucket=week');
    expect(bad.status).toBe(400);
  });
});

describe('the reputation guard', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stays quiet below 4 %, pauses sending at 4 %, keeps accepted mail, and lets an admin resume', async () => {
    stack.sink.replyForRecipient('bounce@example.test', { code: 550, message: '5.1.1 no such user' });
    const recipients = [
      ...Array.from({ length: 49 }, (_, i) => `fine${i}@example.test`),
      'bounce@example.test',
    ];
    const res = await stack.request('POST', '/v1/messages/batch', {
      body: recipients.map((recipient) => ({ ...base, recipient })),
    });
    const ids = ((await json(res)).data as Json[]).map((d) => d.message_id as string);
    for (const id of ids) await stack.waitForStatus(id, ['delivered', 'bounced']);

    const healthy = await json(await stack.request('GET', '/v1/account'));
    expect(healthy).toMatchObject({
      status: 'active',
      reputation: { sent: 50, bounced: 1, bounce_rate: 0.02, threshold: 0.04 },
    });

    const scheduled = await json(
      await stack.request('POST', '/v1/messages', {
        body: {
          ...base,
          recipient: 'later@example.test',
          scheduled_time: new Date(Date.now() + 2000).toISOString(),
        },
      }),
    );
    await stack.request('POST', `/v1/messages/${ids[0]}/complaint`);
    const paused = await json(await stack.request('GET', '/v1/account'));
    expect(paused).toMatchObject({ status: 'suspended', reputation: { bounce_rate: 0.04 } });
    expect(paused.suspended_reason).toMatch(/bounce rate 4\.0%/);
    const suspendedEvents = await json(await stack.request('GET', '/v1/events?type=account.suspended'));
    expect(suspendedEvents.data).toEqual([
      expect.objectContaining({ event: 'account.suspended', data: { reason: paused.suspended_reason } }),
    ]);

    const refused = await stack.request('POST', '/v1/messages', {
      body: { ...base, recipient: 'new@example.test' },
    });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ error: 'account_suspended' });
    expect((await stack.waitForStatus(scheduled.message_id as string, ['delivered'])).status).toBe(
      'delivered',
    );

    const sendOnly = await stack.createKey(['send']);
    expect((await stack.request('POST', '/v1/account/resume', { key: sendOnly })).status).toBe(403);
    expect(await json(await stack.request('POST', '/v1/account/resume'))).toMatchObject({ status: 'active' });
    expect(
      (await stack.request('POST', '/v1/messages', { body: { ...base, recipient: 'new@example.test' } }))
        .status,
    ).toBe(202);
  });
});
