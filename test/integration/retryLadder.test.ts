import type { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ACCEPTANCE_WITHDRAWN } from '../../src/contracts/acceptance';
import { messageWorkflowId } from '../../src/db/ids';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
type Event = { event: string; created_at: string; attempt?: number; smtp?: Json; next_attempt_at?: string };
const base = { from: 'app@acme.test', subject: 'Ladder', text: 'Hi' };
const greylisted = { code: 451, message: '4.7.1 Greylisted, try again later' };

describe('the deferred-retry ladder on the time-skipping test server', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({}, { timeSkipping: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const send = (recipient: string, extra: Json = {}) => stack.sendMessage({ ...base, recipient, ...extra });
  const timeline = async (messageId: string) =>
    ((await (await stack.request('GET', `/v1/messages/${messageId}`)).json()) as { events: Event[] }).events;

  it('retries a 4xx at +30s, +5m, +30m, +2h, +5h and then bounces soft after the 6th attempt', async () => {
    stack.sink.replyForRecipient('greylist@example.test', greylisted);
    const { messageId, handle } = await send('greylist@example.test');
    expect(await handle.result()).toBe('bounced');

    const events = await timeline(messageId);
    const attempts = events.filter((e) => e.event === 'email.deferred' || e.event === 'email.bounced');
    expect(attempts.map((e) => [e.event, e.attempt])).toEqual([
      ['email.deferred', 1],
      ['email.deferred', 2],
      ['email.deferred', 3],
      ['email.deferred', 4],
      ['email.deferred', 5],
      ['email.bounced', 6],
    ]);
    const first = Date.parse(attempts[0].created_at);
    const offsetsSeconds = attempts.map((e) => (Date.parse(e.created_at) - first) / 1000);
    const expected = [0, 30, 330, 2130, 9330, 27330];
    for (const [i, offset] of offsetsSeconds.entries())
      expect(Math.abs(offset - expected[i])).toBeLessThan(3);
    expect(attempts[0].next_attempt_at).toBeDefined();

    const message = (await (await stack.request('GET', `/v1/messages/${messageId}`)).json()) as Json;
    expect(message).toMatchObject({
      status: 'bounced',
      bounce_type: 'soft',
      reason: 'retries_exhausted',
      attempts: 6,
      last_smtp: { code: 451, enhanced_code: '4.7.1' },
    });
    const ids = stack.sink.attemptLog
      .filter((a) => a.to.includes('greylist@example.test'))
      .map((a) => a.messageId);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(1);
    expect(
      await stack.database.collections.suppressions.countDocuments({ recipient: 'greylist@example.test' }),
    ).toBe(0);
  });

  it('defers on 451 and 421 and delivers on the third attempt with the same Message-ID', async () => {
    stack.sink.queueReplies(greylisted, { code: 421, message: '4.3.2 Service shutting down' });
    const { messageId, handle } = await send('third@example.test');
    expect(await handle.result()).toBe('delivered');
    const events = await timeline(messageId);
    expect(events.map((e) => e.event)).toEqual([
      'email.queued',
      'email.accepted',
      'email.deferred',
      'email.deferred',
      'email.delivered',
    ]);
    expect(events[3].smtp).toMatchObject({ code: 421, enhanced_code: '4.3.2' });
    const log = stack.sink.attemptLog.filter((a) => a.to.includes('third@example.test'));
    expect(log.map((a) => a.code)).toEqual([451, 421, 250]);
    expect(new Set(log.map((a) => a.messageId)).size).toBe(1);
  });

  it('defers when the receiving server drops the connection, and delivers on the next attempt', async () => {
    stack.sink.replyForRecipient('dropped@example.test', { drop: true }, 1);
    const { messageId, handle } = await send('dropped@example.test');
    expect(await handle.result()).toBe('delivered');
    const events = await timeline(messageId);
    const deferred = events.find((e) => e.event === 'email.deferred');
    expect(deferred?.smtp).toMatchObject({ code: null });
    expect(events.map((e) => e.event).slice(-2)).toEqual(['email.deferred', 'email.delivered']);
    expect(stack.sink.received.filter((m) => m.envelopeTo.includes('dropped@example.test'))).toHaveLength(1);
  });

  it('honours a suppression added while the message waits for its next attempt', async () => {
    stack.sink.replyForRecipient('late-optout@example.test', greylisted);
    const { messageId, handle } = await send('late-optout@example.test');
    await waitForEvent(messageId, 'email.deferred');
    await stack.request('POST', '/v1/suppressions', {
      body: { recipient: 'late-optout@example.test', reason: 'complaint' },
    });
    expect(await handle.result()).toBe('suppressed');
    expect((await timeline(messageId)).map((e) => e.event).slice(-2)).toEqual([
      'email.deferred',
      'email.suppressed',
    ]);
  });

  it('cancels during the deferred wait and sends nothing more', async () => {
    stack.sink.replyForRecipient('cancel-wait@example.test', greylisted);
    const { messageId } = await send('cancel-wait@example.test');
    await waitForEvent(messageId, 'email.deferred');
    const res = await stack.request('DELETE', `/v1/messages/${messageId}`);
    expect(await res.json()).toEqual({ message_id: messageId, status: 'cancelled' });
    expect((await timeline(messageId)).map((e) => e.event).slice(-2)).toEqual([
      'email.deferred',
      'email.cancelled',
    ]);
    expect(stack.sink.attemptLog.filter((a) => a.to.includes('cancel-wait@example.test'))).toHaveLength(1);
  });

  it('sends a scheduled message at its time, not before', async () => {
    const at = new Date(Date.now() + 6 * 3600_000);
    const { messageId, handle } = await send('scheduled@example.test', { scheduled_time: at.toISOString() });
    expect(await handle.result()).toBe('delivered');
    const events = await timeline(messageId);
    expect(events.map((e) => e.event)).toEqual([
      'email.scheduled',
      'email.queued',
      'email.accepted',
      'email.delivered',
    ]);
    expect(Date.parse(events[1].created_at)).toBeGreaterThanOrEqual(at.getTime());
  });

  async function waitForEvent(messageId: string, event: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if ((await timeline(messageId)).some((e) => e.event === event)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${messageId} never recorded ${event}`);
  }

  it('ends a workflow whose message was never stored after ten minutes, leaving no trace, and its key sends again', async () => {
    // What an API that died between starting the workflow and storing the message leaves.
    const key = 'withdrawn-acceptance-1';
    const workflowId = messageWorkflowId(stack.projectId, key);
    await stack.acceptanceDeps.workflows.start({
      workflowId,
      priority: 'normal',
      initialStatus: 'queued',
      summary: 'withdrawn@example.test',
      details: 'never stored',
      input: {
        messageId: 'msg_neverstored',
        projectId: stack.projectId,
        recipient: 'withdrawn@example.test',
        recipientDomain: 'example.test',
        messageType: 'transactional',
        retryScheduleMs: [30_000],
      },
    });
    const failure = await stack.temporal.workflow
      .getHandle(workflowId)
      .result()
      .then(
        () => undefined,
        (err: WorkflowFailedError) => err.cause as ApplicationFailure,
      );
    expect(failure?.type).toBe(ACCEPTANCE_WITHDRAWN);
    const { messages, events } = stack.database.collections;
    expect(await events.countDocuments({ message_id: 'msg_neverstored' })).toBe(0);
    expect(await messages.countDocuments({ _id: 'msg_neverstored' })).toBe(0);

    const res = await stack.request('POST', '/v1/messages', {
      body: { ...base, recipient: 'withdrawn@example.test' },
      headers: { 'Idempotency-Key': key },
    });
    expect(res.status).toBe(202);
    expect(await stack.temporal.workflow.getHandle(workflowId).result()).toBe('delivered');
  });
});

describe('connection-level failures', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Nothing listens on port 1 of loopback: every attempt is refused.
    stack = await startTestStack({ SMTP_URL: 'smtp://127.0.0.1:1' }, { timeSkipping: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('defers a refused connection through the whole ladder and bounces soft', async () => {
    const res = await stack.request('POST', '/v1/messages', {
      body: { ...base, recipient: 'refused@example.test' },
    });
    const { message_id } = (await res.json()) as { message_id: string };
    const message = await stack.database.collections.messages.findOne({ _id: message_id });
    expect(await stack.temporal.workflow.getHandle(message?.workflow_id as string).result()).toBe('bounced');
    const after = (await (await stack.request('GET', `/v1/messages/${message_id}`)).json()) as Json;
    expect(after).toMatchObject({ status: 'bounced', bounce_type: 'soft', attempts: 6 });
    const events = (after.events as Event[]).filter((e) => e.event === 'email.deferred');
    expect(events[0].smtp).toMatchObject({ code: null, remote_mta: '127.0.0.1:1' });
    expect(String(events[0].smtp?.response)).toMatch(/ECONNREFUSED/);
  });
});
