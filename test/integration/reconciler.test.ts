import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { freePort, startService, stopChild, temporalDevServerSpec } from '../../devtools/localServices';
import type { ReconcileCounts } from '../../src/contracts/reconciliation';
import { taskQueueFor } from '../../src/contracts/taskQueues';
import { workflowStartOf } from '../../src/messages/deliveryStart';
import { ensureReconcilerSchedule, reconcilerScheduleId } from '../../src/temporal/maintenanceSchedules';
import { deliverMessage } from '../../src/workflows/deliverMessage';
import { sharedServices } from '../support/stackInfo';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const MINUTE = 60_000;
const base = { from: 'app@acme.test', subject: 'Reconcile', text: 'Your code is 123456' };
const down = { code: 451, message: '4.4.1 Relay unavailable, try again later' };
// Ten-minute rungs: only the reconciler explains a quick next attempt.
const LADDER = { SENDFLOW_RETRY_SCHEDULE: '10m,10m' };

/** Runs the reconciler Schedule now (as "Trigger" in the Temporal UI does) and waits for its counts. */
async function runReconciler(stack: TestStack): Promise<ReconcileCounts> {
  const schedule = stack.temporal.schedule.getHandle(reconcilerScheduleId(stack.config.TEMPORAL_TASK_QUEUE));
  const seen = (await schedule.describe()).info.recentActions.length;
  await schedule.trigger();
  for (let i = 0; i < 300; i++) {
    const actions = (await schedule.describe()).info.recentActions;
    if (actions.length > seen) {
      const started = actions[actions.length - 1].action;
      return (await stack.temporal.workflow
        .getHandle(started.workflow.workflowId, started.workflow.firstExecutionRunId)
        .result()) as ReconcileCounts;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the schedule started no run');
}

/** Makes a message look untouched for `minutes` (and its next attempt that late). */
async function quietFor(stack: TestStack, messageId: string, minutes: number, field = 'next_attempt_at') {
  const at = new Date(Date.now() - minutes * MINUTE);
  await stack.database.collections.messages.updateOne(
    { _id: messageId },
    { $set: { updated_at: at, [field]: at } },
  );
}

async function startSchedule(stack: TestStack) {
  // A five-minute margin: nothing a test just sent counts as quiet.
  await ensureReconcilerSchedule(stack.temporal, stack.config.TEMPORAL_TASK_QUEUE, 60, 5);
}

/** The message's timeline, as GET /v1/messages/{id} shows it. */
async function timeline(stack: TestStack, messageId: string, key?: string) {
  const res = await stack.request('GET', `/v1/messages/${messageId}`, key ? { key } : {});
  return ((await res.json()) as { events: Json[] }).events;
}

describe('the reconciler', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(LADDER);
    await startSchedule(stack);
  });
  afterAll(async () => {
    await stack?.temporal.schedule.getHandle(reconcilerScheduleId(stack.config.TEMPORAL_TASK_QUEUE)).delete();
    await stack?.close();
  });

  it('ends a message whose workflow was terminated through Temporal failed (workflow_terminated), in its timeline and metrics', async () => {
    const recipient = 'terminated@example.test';
    stack.sink.replyForRecipient(recipient, down, 1);
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient });
    await stack.waitForStatus(messageId, ['deferred']);
    await handle.terminate('stopped by an operator in the Temporal UI');
    await quietFor(stack, messageId, 20);

    const counts = await runReconciler(stack);
    expect(counts).toMatchObject({ finished: 1, restarted: 0, pushed: 0, stuck: 0 });
    const message = await stack.waitForStatus(messageId, ['failed']);
    expect(message.reason).toBe('workflow_terminated');
    const events = await timeline(stack, messageId);
    expect(events.map((e) => e.event)).toEqual([
      'email.queued',
      'email.accepted',
      'email.deferred',
      'email.failed',
    ]);
    expect(events[3]).toMatchObject({ reason: 'workflow_terminated', attempt: 1 });

    const metrics = await (await stack.request('GET', '/metrics')).text();
    expect(metrics).toMatch(/^sendflow_reconciler_messages_total\{action="finished"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^sendflow_stuck_messages\{[^}]*\} 1$/m);
    // Ended: the next run finds nothing.
    expect(await runReconciler(stack)).toMatchObject({ finished: 0, restarted: 0, pushed: 0 });
  });

  it('asks a running workflow whose wait is overdue to attempt now, and says why in the timeline', async () => {
    const recipient = 'overdue@example.test';
    stack.sink.replyForRecipient(recipient, down, 1);
    const { messageId } = await stack.sendMessage({ ...base, recipient });
    await stack.waitForStatus(messageId, ['deferred']);
    // As if the worker had been away: the wait should have ended 20 minutes ago.
    await quietFor(stack, messageId, 20);

    const counts = await runReconciler(stack);
    expect(counts).toMatchObject({ pushed: 1, finished: 0, restarted: 0 });
    const message = await stack.waitForStatus(messageId, ['delivered'], 15_000);
    expect(message.attempts).toBe(2);
    const events = await timeline(stack, messageId);
    expect(events.map((e) => e.event)).toEqual([
      'email.queued',
      'email.accepted',
      'email.deferred',
      'email.queued',
      'email.delivered',
    ]);
    expect(String(events[3].reason)).toMatch(/^reconciler: next attempt overdue since /);
  });

  it('counts a running workflow that does not answer (no worker polls its queue) as stuck and leaves it', async () => {
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient: 'model@example.test' });
    expect(await handle.result()).toBe('delivered');
    const model = await stack.database.collections.messages.findOne({ _id: messageId });
    if (!model) throw new Error('message not stored');
    // A deferred message whose workflow waits on a task queue no worker serves.
    const stuckId = `${messageId}x`;
    const workflowId = `stuck-${randomUUID()}`;
    const overdue = new Date(Date.now() - 20 * MINUTE);
    await stack.database.collections.messages.insertOne({
      ...model,
      _id: stuckId,
      idempotency_key: randomUUID(),
      workflow_id: workflowId,
      status: 'deferred',
      updated_at: overdue,
      next_attempt_at: overdue,
    });
    const start = workflowStartOf({ ...model, _id: stuckId, workflow_id: workflowId }, [600_000]);
    const stuck = await stack.temporal.workflow.start(deliverMessage, {
      workflowId,
      taskQueue: `${stack.config.TEMPORAL_TASK_QUEUE}-nobody`,
      args: [start.input],
    });
    try {
      expect(await runReconciler(stack)).toMatchObject({ stuck: 1, pushed: 0, finished: 0, restarted: 0 });
      const metrics = await (await stack.request('GET', '/metrics')).text();
      expect(metrics).toMatch(/^sendflow_reconciler_messages_total\{action="stuck"[^}]*\} 1$/m);
      expect((await stack.database.collections.messages.findOne({ _id: stuckId }))?.status).toBe('deferred');
    } finally {
      await stuck.terminate('test over');
      await stack.database.collections.messages.deleteOne({ _id: stuckId });
    }
  });

  it('leaves alone a waiting message that is on time, however quiet', async () => {
    const recipient = 'ontime@example.test';
    stack.sink.replyForRecipient(recipient, down, 1);
    const { messageId } = await stack.sendMessage({ ...base, recipient });
    await stack.waitForStatus(messageId, ['deferred']);
    await stack.database.collections.messages.updateOne(
      { _id: messageId },
      { $set: { updated_at: new Date(Date.now() - 20 * MINUTE) } },
    );
    expect(await runReconciler(stack)).toMatchObject({ checked: 1, pushed: 0, finished: 0, restarted: 0 });
    expect((await stack.waitForStatus(messageId, ['deferred'])).attempts).toBe(1);
  });

  it('a re-run of an ended message (Reset to the start, or "start like this one") sends nothing and changes nothing', async () => {
    const recipient = 'rerun@example.test';
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient });
    expect(await handle.result()).toBe('delivered');
    const before = await timeline(stack, messageId);
    const mails = () =>
      stack.sink.received.filter((m) => m.parsed.to && JSON.stringify(m.parsed.to).includes(recipient));
    expect(mails()).toHaveLength(1);

    // "Start workflow like this one": the same input under another id.
    const doc = await stack.database.collections.messages.findOne({ _id: messageId });
    if (!doc) throw new Error('message not stored');
    const start = workflowStartOf(doc, [600_000, 600_000]);
    const again = await stack.temporal.workflow.start(deliverMessage, {
      workflowId: `rerun-${randomUUID()}`,
      taskQueue: taskQueueFor(stack.config.TEMPORAL_TASK_QUEUE, doc.priority),
      args: [start.input],
    });
    expect(await again.result()).toBe('delivered');

    // Reset to the first workflow task: the story runs again from the beginning.
    const history = await handle.fetchHistory();
    const firstTask = history.events?.find((e) => e.workflowTaskCompletedEventAttributes);
    const { runId } = await stack.temporal.workflowService.resetWorkflowExecution({
      namespace: stack.config.TEMPORAL_NAMESPACE,
      workflowExecution: { workflowId: handle.workflowId },
      workflowTaskFinishEventId: firstTask?.eventId,
      reason: 'reset from the Temporal UI',
      requestId: randomUUID(),
    });
    expect(await stack.temporal.workflow.getHandle(handle.workflowId, runId ?? undefined).result()).toBe(
      'delivered',
    );

    expect(mails()).toHaveLength(1);
    expect(await timeline(stack, messageId)).toEqual(before);
    expect((await stack.waitForStatus(messageId, ['delivered'])).attempts).toBe(1);
  });
});

describe('the reconciler on a fresh Temporal server over the same database', () => {
  it('starts lost deliveries again after the attempts already made, keeping a scheduled time ahead', async () => {
    const services = sharedServices();
    const first = await startTestStack(LADDER, { keepDatabase: true });
    const deferredRecipient = 'lost@example.test';
    first.sink.replyForRecipient(deferredRecipient, down, 1);
    const deferred = await first.sendMessage({ ...base, recipient: deferredRecipient });
    await first.waitForStatus(deferred.messageId, ['deferred']);
    const scheduled = await first.sendMessage({
      ...base,
      recipient: 'later@example.test',
      scheduled_time: new Date(Date.now() + 60 * MINUTE).toISOString(),
    });
    await first.waitForStatus(scheduled.messageId, ['scheduled']);
    const firstKey = first.apiKey;
    const header = (await first.database.collections.messages.findOne({ _id: deferred.messageId }))
      ?.message_id_header;
    // Nothing of the first server's runs is left to wake up later.
    await deferred.handle.terminate('test over');
    await scheduled.handle.terminate('test over');
    await first.close();

    // The histories are gone: a new Temporal server knows none of these workflows.
    const port = await freePort();
    const temporal = await startService(
      temporalDevServerSpec({
        cli: services.temporalCli,
        port,
        logFile: path.join(process.cwd(), '.run', 'test-logs', `temporal-fresh-${port}.log`),
      }),
    );
    const second = await startTestStack({
      ...LADDER,
      MONGODB_URI: first.config.MONGODB_URI,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    });
    try {
      await startSchedule(second);
      await quietFor(second, deferred.messageId, 20);
      await quietFor(second, scheduled.messageId, 20, 'updated_at');

      const counts = await runReconciler(second);
      expect(counts).toMatchObject({ restarted: 2, finished: 0, pushed: 0 });
      const get = async (id: string) =>
        (await (await second.request('GET', `/v1/messages/${id}`, { key: firstKey })).json()) as Json;
      for (let i = 0; i < 150 && (await get(deferred.messageId)).status !== 'delivered'; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(await get(deferred.messageId)).toMatchObject({ status: 'delivered', attempts: 2 });
      const [resent] = await second.sink.waitForMail(1);
      // The same mail: receivers deduplicate by Message-ID.
      expect(resent.parsed.messageId).toBe(header);
      const events = await timeline(second, deferred.messageId, firstKey);
      expect(events.map((e) => e.event)).toEqual([
        'email.queued',
        'email.accepted',
        'email.deferred',
        'email.queued',
        'email.delivered',
      ]);
      expect(events[3]).toMatchObject({ reason: 'reconciler: workflow gone', attempt: 1 });

      expect(await get(scheduled.messageId)).toMatchObject({ status: 'scheduled' });
      const later = (await timeline(second, scheduled.messageId, firstKey)).map((e) => [e.event, e.reason]);
      expect(later).toEqual([
        ['email.scheduled', undefined],
        ['email.scheduled', 'reconciler: workflow gone'],
      ]);
      const doc = await second.database.collections.messages.findOne({ _id: scheduled.messageId });
      const described = await second.temporal.workflow.getHandle(doc?.workflow_id as string).describe();
      expect(described.status.name).toBe('RUNNING');
    } finally {
      await second.temporal.schedule
        .getHandle(reconcilerScheduleId(second.config.TEMPORAL_TASK_QUEUE))
        .delete();
      await second.close();
      await stopChild(temporal);
    }
  });
});
