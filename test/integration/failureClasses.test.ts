import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { MongoClient } from 'mongodb';
import { createActivities } from '../../src/activities';
import { collectionsOf } from '../../src/db/mongo';
import { createTransportProvider } from '../../src/delivery/smtpTransport';
import { createMetrics } from '../../src/observability/metrics';
import { createDnsResolver } from '../../src/senderDomains/dnsResolver';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Failure classes', text: 'Hi' };
const soon = () => new Date(Date.now() + 1500).toISOString();

describe('a message that can never be sent fails instead of riding the retry ladder', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // badkey.test counts as verified, as an operator who manages DNS would set it.
    stack = await startTestStack({ SENDFLOW_VERIFIED_DOMAINS: 'acme.test:*,badkey.test:*' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const send = (recipient: string, extra: Json = {}) => stack.sendMessage({ ...base, recipient, ...extra });
  const failedEvent = (messageId: string) =>
    stack.database.collections.events.findOne({ message_id: messageId, type: 'email.failed' });
  /** Send attempts, and timers after the first one, in the message's history: a ladder would show both. */
  const sendAttemptsAndTimers = async (
    handle: ReturnType<TestStack['temporal']['workflow']['getHandle']>,
  ) => {
    const events = (await handle.fetchHistory()).events ?? [];
    const names = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    const firstAttempt = names.indexOf('sendAttempt');
    return {
      sendAttempts: names.filter((n) => n === 'sendAttempt').length,
      timers: events.slice(firstAttempt).filter((e) => e.timerStartedEventAttributes).length,
    };
  };

  it('fails with message_not_found when the message document is gone at send time', async () => {
    const later = new Date(Date.now() + 4000).toISOString();
    const { messageId, handle } = await send('vanished@example.test', { scheduled_time: later });
    // Gone once its workflow has seen it stored and waits for the scheduled time.
    await stack.waitForStatus(messageId, ['scheduled']);
    const { events } = stack.database.collections;
    for (
      let i = 0;
      i < 100 && !(await events.findOne({ message_id: messageId, type: 'email.scheduled' }));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    await stack.database.collections.messages.deleteOne({ _id: messageId });
    expect(await handle.result()).toBe('failed');
    expect(await failedEvent(messageId)).toMatchObject({ reason: 'message_not_found', attempt: 1 });
    // One attempt, and no retry timer after it.
    expect(await sendAttemptsAndTimers(handle)).toEqual({ sendAttempts: 1, timers: 0 });
  });

  it('fails with route_misconfigured when a stored route is not an SMTP URL, and says so via the API', async () => {
    await stack.database.collections.routes.insertOne({
      _id: 'route_broken',
      project_id: stack.projectId,
      name: 'broken',
      url: 'http://relay.example.test/',
      tls: 'opportunistic',
      pool_size: 1,
      position: 0,
      match: { recipient_domains: ['broken-route.test'] },
      created_at: new Date(),
    });
    const { messageId, handle } = await send('someone@broken-route.test');
    expect(await handle.result()).toBe('failed');
    const message = (await (await stack.request('GET', `/v1/messages/${messageId}`)).json()) as Json;
    expect(message).toMatchObject({ status: 'failed', reason: 'route_misconfigured' });
    expect((message.events as Json[]).map((e) => e.event)).toEqual([
      'email.queued',
      'email.accepted',
      'email.failed',
    ]);
    expect(await sendAttemptsAndTimers(handle)).toEqual({ sendAttempts: 1, timers: 0 });
    expect(stack.sink.attemptLog.filter((a) => a.to.includes('someone@broken-route.test'))).toEqual([]);
  });

  it('fails with dkim_key_invalid when the sender domain has an unreadable DKIM key', async () => {
    const created = await stack.request('POST', '/v1/domains', { body: { name: 'badkey.test' } });
    expect(created.status).toBe(201);
    await stack.database.collections.domains.updateOne(
      { project_id: stack.projectId, name: 'badkey.test' },
      { $set: { dkim_private_key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' } },
    );
    const { messageId, handle } = await send('signed@example.test', { from: 'app@badkey.test' });
    expect(await handle.result()).toBe('failed');
    expect(await failedEvent(messageId)).toMatchObject({ reason: 'dkim_key_invalid' });
  });

  it('fails with attachment_not_found when a stored attachment is gone', async () => {
    const big = Buffer.alloc(300 * 1024, 7).toString('base64');
    const { messageId, handle } = await send('attached@example.test', {
      scheduled_time: soon(),
      attachments: [{ filename: 'big.bin', content: big, content_type: 'application/octet-stream' }],
    });
    await stack.database.db.collection('attachments.files').deleteMany({ 'metadata.message_id': messageId });
    await stack.database.db.collection('attachments.chunks').deleteMany({});
    expect(await handle.result()).toBe('failed');
    expect(await failedEvent(messageId)).toMatchObject({ reason: 'attachment_not_found' });
  });

  it('still defers when the SMTP server cannot be reached (temporary)', async () => {
    const res = await stack.request('PUT', '/v1/delivery-policy', { body: { retry_schedule: ['1h'] } });
    expect(res.status).toBe(200);
    stack.sink.replyForRecipient('later@example.test', { drop: true }, 1);
    const { messageId } = await send('later@example.test');
    const message = await stack.waitForStatus(messageId, ['deferred', 'failed']);
    expect(message.status).toBe('deferred');
    await stack.request('DELETE', `/v1/messages/${messageId}`);
  });
});

describe('the send activity on an unavailable database', () => {
  it('throws a retryable error, so the workflow defers the message', async () => {
    // Nothing listens on port 1: every read fails as it does while MongoDB is down.
    const client = new MongoClient('mongodb://127.0.0.1:1/sendflow_down', { serverSelectionTimeoutMS: 300 });
    const transports = createTransportProvider();
    const activities = createActivities({
      collections: collectionsOf(client.db()),
      transports,
      defaultRoute: 'smtp://127.0.0.1:1',
      ipPools: {},
      direct: { resolver: createDnsResolver(), port: 25, ehloName: 'test.invalid' },
      webhooks: { start: async () => undefined },
      allowPrivateWebhooks: false,
      metrics: createMetrics({ domains: [], process: 'test' }),
    });
    const env = new MockActivityEnvironment();
    const error = await env.run(activities.sendAttempt, { messageId: 'msg_any', attempt: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof ApplicationFailure && error.nonRetryable).toBe(false);
    transports.closeAll();
    await client.close();
  });
});
