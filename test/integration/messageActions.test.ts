import { type SmtpSink, startSmtpSink } from '../../devtools/smtpSink';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
type Event = { event: string; attempt?: number };
const base = { from: 'app@acme.test', subject: 'Actions', text: 'Hi' };
const greylisted = { code: 451, message: '4.7.1 Greylisted, try again later' };

describe("operators' actions on a message, answered by its workflow", () => {
  let stack: TestStack;
  let backup: SmtpSink;
  beforeAll(async () => {
    // Rungs long enough that only an operator's retry explains a quick second attempt.
    [stack, backup] = await Promise.all([
      startTestStack({ SENDFLOW_RETRY_SCHEDULE: '10m,10m', SENDFLOW_ROUTES_ALLOW_PRIVATE: 'true' }),
      startSmtpSink(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), backup?.close()]);
  });
  const json = async (res: Response) => (await res.json()) as Json;
  const timeline = async (id: string) =>
    ((await json(await stack.request('GET', `/v1/messages/${id}`))).events as Event[]).map((e) => [
      e.event,
      e.attempt,
    ]);
  const updatesIn = async (workflowId: string) =>
    ((await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter(
      (e) => e.workflowExecutionUpdateCompletedEventAttributes,
    ).length;

  it('retries a deferred message now instead of at its next rung', async () => {
    stack.sink.replyForRecipient('retry-now@example.test', greylisted, 1);
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient: 'retry-now@example.test' });
    await stack.waitForStatus(messageId, ['deferred']);
    const res = await stack.request('POST', `/v1/messages/${messageId}/retry`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ message_id: messageId, attempt: 2 });
    expect(await stack.waitForStatus(messageId, ['delivered'], 15_000)).toMatchObject({ attempts: 2 });
    expect(await timeline(messageId)).toEqual([
      ['email.queued', undefined],
      ['email.accepted', undefined],
      ['email.deferred', 1],
      ['email.delivered', 2],
    ]);
    // Recorded in the workflow's history, in order with everything else.
    expect(await updatesIn(handle.workflowId)).toBe(1);
  });

  it('refuses to retry a delivered message with 409 and says why', async () => {
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient: 'done@example.test' });
    expect(await handle.result()).toBe('delivered');
    const res = await stack.request('POST', `/v1/messages/${messageId}/retry`);
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({
      error: 'invalid_state',
      message: expect.stringContaining('delivered'),
    });
  });

  it('refuses to retry a message while its attempt is under way', async () => {
    // The sink takes 3 s to answer DATA: the attempt is under way meanwhile.
    stack.sink.delayMs = 3000;
    try {
      const { messageId, handle } = await stack.sendMessage({ ...base, recipient: 'busy@example.test' });
      // `accepted` is recorded as the first attempt begins.
      await stack.waitForStatus(messageId, ['accepted']);
      const res = await stack.request('POST', `/v1/messages/${messageId}/retry`);
      expect(res.status).toBe(409);
      expect(await json(res)).toMatchObject({
        error: 'invalid_state',
        message: expect.stringContaining('being sent'),
      });
      expect(await handle.result()).toBe('delivered');
    } finally {
      stack.sink.delayMs = 0;
    }
  });

  it('reroutes the next attempts through another route', async () => {
    const route = await stack.request('POST', '/v1/routes', {
      body: { name: 'backup', url: backup.url, tls: 'none', match: { recipient_domains: ['nowhere.test'] } },
    });
    expect(route.status).toBe(201);
    stack.sink.replyForRecipient('reroute@example.test', greylisted);
    const { messageId } = await stack.sendMessage({ ...base, recipient: 'reroute@example.test' });
    await stack.waitForStatus(messageId, ['deferred']);

    const unknown = await stack.request('POST', `/v1/messages/${messageId}/reroute`, {
      body: { route: 'nope' },
    });
    expect(unknown.status).toBe(422);
    expect(await json(unknown)).toMatchObject({ errors: [{ field: 'route' }] });
    const moved = await stack.request('POST', `/v1/messages/${messageId}/reroute`, {
      body: { route: 'backup' },
    });
    expect(await json(moved)).toEqual({ message_id: messageId, route: 'backup' });
    expect((await stack.request('POST', `/v1/messages/${messageId}/retry`)).status).toBe(200);
    expect(await stack.waitForStatus(messageId, ['delivered'], 15_000)).toMatchObject({
      last_smtp: { route: 'backup' },
    });
    expect(backup.received.map((m) => m.envelopeTo[0])).toContain('reroute@example.test');
  });

  it('cancels with the decision from the workflow, which completes as cancelled', async () => {
    const { messageId, handle } = await stack.sendMessage({
      ...base,
      recipient: 'later@example.test',
      scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await stack.waitForStatus(messageId, ['scheduled']);
    const res = await stack.request('DELETE', `/v1/messages/${messageId}`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ message_id: messageId, status: 'cancelled' });
    // Completed with its answer, not failed: its id can never start a second delivery.
    expect(await handle.result()).toBe('cancelled');
    expect((await json(await stack.request('GET', `/v1/messages/${messageId}`))).status).toBe('cancelled');
    expect((await stack.request('POST', `/v1/messages/${messageId}/retry`)).status).toBe(409);
    expect(await json(await stack.request('DELETE', `/v1/messages/${messageId}`))).toMatchObject({
      status: 'cancelled',
    });
  });

  it('sends a scheduled message now on request', async () => {
    const { messageId } = await stack.sendMessage({
      ...base,
      recipient: 'early@example.test',
      scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await stack.waitForStatus(messageId, ['scheduled']);
    expect((await stack.request('POST', `/v1/messages/${messageId}/retry`)).status).toBe(200);
    expect(await stack.waitForStatus(messageId, ['delivered'], 15_000)).toMatchObject({ attempts: 1 });
  });

  it('shows the mail in the Temporal UI: summary, details and where it stands', async () => {
    const { messageId, handle } = await stack.sendMessage({
      ...base,
      subject: 'Your invoice',
      recipient: 'ui@example.test',
      tags: ['invoice'],
    });
    expect(await handle.result()).toBe('delivered');
    const described = await handle.describe();
    expect(await described.staticSummary()).toBe('ui@example.test · Your invoice');
    expect(await described.staticDetails()).toContain(messageId);
    expect(await described.staticDetails()).toContain('**Tags** invoice');
    // A scheduled one says what it waits for on its page.
    const later = await stack.sendMessage({
      ...base,
      recipient: 'ui-later@example.test',
      scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await stack.waitForStatus(later.messageId, ['scheduled']);
    const metadata = (await later.handle.query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };
    expect(metadata.currentDetails).toContain('**Status** scheduled');
    await stack.request('DELETE', `/v1/messages/${later.messageId}`);
  });
});
