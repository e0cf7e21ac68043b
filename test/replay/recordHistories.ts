/**
 * Records one history of every branch of the message and webhook workflows from real servers
 * (the Temporal dev server, the time-skipping test server for the >24 h webhook ladder) and
 * writes them as replay fixtures under test/replay/histories/<shape>/.
 *
 *   npm run record-histories -- <shape>     e.g. deliver-v2
 *
 * A shape folder is written once, for a released workflow shape, and never rewritten: the
 * recorder refuses a folder that exists, so a failing replay cannot be "fixed" by re-recording.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { taskQueueFor } from '../../src/contracts/taskQueues';
import { workflowStartOf } from '../../src/messages/deliveryStart';
import { webhookWorkflowId } from '../../src/temporal/webhookWorkflows';
import { deliverMessage } from '../../src/workflows/deliverMessage';
import globalSetup from '../support/globalSetup';
import globalTeardown from '../support/globalTeardown';
import { startTestStack, type TestStack } from '../support/testStack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

type Json = Record<string, unknown>;
const HISTORIES = path.join(__dirname, '..', '..', '..', 'test', 'replay', 'histories');
const base = { from: 'app@acme.test', subject: 'Replay fixture', text: 'Hello' };
const ONE_SECOND_RUNGS = ['1s', '1s', '1s', '1s', '1s'];
const greylisted = { code: 451, message: '4.7.1 Greylisted, try again later' };

function send(stack: TestStack, recipient: string, extra: Json = {}) {
  return stack.sendMessage({ ...base, recipient, ...extra });
}

async function setPolicy(stack: TestStack, body: Json) {
  const res = await stack.request('PUT', '/v1/delivery-policy', { body });
  if (res.status !== 200) throw new Error(`delivery policy answered ${res.status}: ${await res.text()}`);
}

async function expectResult(handle: WorkflowHandle, expected: string) {
  const result = await handle.result();
  if (result !== expected) throw new Error(`${handle.workflowId} ended ${result}, expected ${expected}`);
}

async function webhookHandle(stack: TestStack, messageId: string, hookId: string) {
  const event = await stack.database.collections.events.findOne({
    message_id: messageId,
    type: 'email.delivered',
  });
  const delivery = await stack.database.collections.webhookDeliveries.findOne({
    event_id: event?._id,
    webhook_id: hookId,
  });
  if (!delivery) throw new Error(`no webhook delivery for ${messageId}`);
  return stack.temporal.workflow.getHandle(webhookWorkflowId(delivery._id, 0));
}

async function addWebhook(stack: TestStack, receiver: WebhookReceiver): Promise<string> {
  const res = await stack.request('POST', '/v1/webhooks', {
    body: { url: receiver.url, events: ['email.delivered'] },
  });
  return ((await res.json()) as { id: string }).id;
}

type Scenario = (stack: TestStack, receiver: WebhookReceiver) => Promise<WorkflowHandle>;

/** Scenarios on the dev server; each returns the finished workflow whose history is kept. */
const devServerScenarios: Record<string, Scenario> = {
  'message-delivered-first-time': async (stack) => {
    const { handle } = await send(stack, 'first@example.test');
    await expectResult(handle, 'delivered');
    return handle;
  },
  'message-deferred-then-delivered': async (stack) => {
    stack.sink.replyForRecipient('greylisted@example.test', greylisted, 2);
    const { handle } = await send(stack, 'greylisted@example.test');
    await expectResult(handle, 'delivered');
    return handle;
  },
  'message-hard-bounce': async (stack) => {
    stack.sink.replyForRecipient('gone@example.test', { code: 550, message: '5.1.1 No such user' });
    const { handle } = await send(stack, 'gone@example.test');
    await expectResult(handle, 'bounced');
    return handle;
  },
  'message-soft-bounce-after-last-rung': async (stack) => {
    stack.sink.replyForRecipient('full@example.test', greylisted);
    const { handle } = await send(stack, 'full@example.test');
    await expectResult(handle, 'bounced');
    return handle;
  },
  'message-suppressed': async (stack) => {
    await stack.request('POST', '/v1/suppressions', { body: { recipient: 'blocked@example.test' } });
    const { handle } = await send(stack, 'blocked@example.test');
    await expectResult(handle, 'suppressed');
    return handle;
  },
  'message-suppressed-while-waiting': async (stack) => {
    await setPolicy(stack, { retry_schedule: ['4s'] });
    stack.sink.replyForRecipient('later-blocked@example.test', greylisted, 1);
    const { messageId, handle } = await send(stack, 'later-blocked@example.test');
    await stack.waitForStatus(messageId, ['deferred']);
    await stack.request('POST', '/v1/suppressions', { body: { recipient: 'later-blocked@example.test' } });
    await expectResult(handle, 'suppressed');
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS });
    return handle;
  },
  'message-cancelled-while-scheduled': async (stack) => {
    const scheduled_time = new Date(Date.now() + 3600_000).toISOString();
    const { messageId, handle } = await send(stack, 'scheduled@example.test', { scheduled_time });
    await stack.waitForStatus(messageId, ['scheduled']);
    await stack.request('DELETE', `/v1/messages/${messageId}`);
    await handle.result().catch(() => undefined);
    return handle;
  },
  'message-cancelled-during-wait': async (stack) => {
    await setPolicy(stack, { retry_schedule: ['1h'] });
    stack.sink.replyForRecipient('waiting@example.test', greylisted, 1);
    const { messageId, handle } = await send(stack, 'waiting@example.test');
    await stack.waitForStatus(messageId, ['deferred']);
    await stack.request('DELETE', `/v1/messages/${messageId}`);
    await handle.result().catch(() => undefined);
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS });
    return handle;
  },
  'message-retried-now': async (stack) => {
    await setPolicy(stack, { retry_schedule: ['1h'] });
    stack.sink.replyForRecipient('retry-now@example.test', greylisted, 1);
    const { messageId, handle } = await send(stack, 'retry-now@example.test');
    await stack.waitForStatus(messageId, ['deferred']);
    const res = await stack.request('POST', `/v1/messages/${messageId}/retry`);
    if (res.status !== 200) throw new Error(`retry answered ${res.status}: ${await res.text()}`);
    await expectResult(handle, 'delivered');
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS });
    return handle;
  },
  'message-rerouted': async (stack) => {
    await setPolicy(stack, { retry_schedule: ['1h'] });
    stack.sink.replyForRecipient('rerouted@example.test', greylisted, 1);
    const { messageId, handle } = await send(stack, 'rerouted@example.test');
    await stack.waitForStatus(messageId, ['deferred']);
    const res = await stack.request('POST', `/v1/messages/${messageId}/reroute`, {
      body: { route: 'default' },
    });
    if (res.status !== 200) throw new Error(`reroute answered ${res.status}: ${await res.text()}`);
    await stack.request('POST', `/v1/messages/${messageId}/retry`);
    await expectResult(handle, 'delivered');
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS });
    return handle;
  },
  'message-pushed-by-reconciler': async (stack) => {
    await setPolicy(stack, { retry_schedule: ['1h'] });
    stack.sink.replyForRecipient('overdue@example.test', greylisted, 1);
    const { messageId, handle } = await send(stack, 'overdue@example.test');
    await stack.waitForStatus(messageId, ['deferred']);
    await stack.acceptanceDeps.workflows.retryNow(handle.workflowId, {
      reason: 'reconciler: next attempt overdue since 2026-12-01T00:00:00.000Z',
    });
    await expectResult(handle, 'delivered');
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS });
    return handle;
  },
  'message-restarted-by-reconciler': async (stack) => {
    stack.sink.replyForRecipient('lost@example.test', greylisted, 1);
    await setPolicy(stack, { retry_schedule: ['1h'] });
    const { messageId, handle } = await send(stack, 'lost@example.test');
    await stack.waitForStatus(messageId, ['deferred']);
    await handle.terminate('history lost');
    // What the reconciler starts for a message whose workflow is gone.
    const doc = await stack.database.collections.messages.findOne({ _id: messageId });
    if (!doc) throw new Error(`${messageId} not stored`);
    await stack.acceptanceDeps.workflows.start(
      workflowStartOf(doc, [3_600_000], { afterAttempt: 1, reason: 'reconciler: workflow gone' }),
    );
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS });
    const restarted = stack.temporal.workflow.getHandle(handle.workflowId);
    await expectResult(restarted, 'delivered');
    return restarted;
  },
  'message-rerun-after-it-ended': async (stack) => {
    const { messageId, handle } = await send(stack, 'rerun@example.test');
    await expectResult(handle, 'delivered');
    const doc = await stack.database.collections.messages.findOne({ _id: messageId });
    if (!doc) throw new Error(`${messageId} not stored`);
    // "Start workflow like this one" in the Temporal UI: the same input under another id.
    const start = workflowStartOf(doc, [1000]);
    const again = await stack.temporal.workflow.start(deliverMessage, {
      workflowId: `${handle.workflowId}-again`,
      taskQueue: taskQueueFor(stack.config.TEMPORAL_TASK_QUEUE, doc.priority),
      args: [start.input],
    });
    await expectResult(again, 'delivered');
    return again;
  },
  'message-failed': async (stack) => {
    await stack.database.collections.routes.insertOne({
      _id: 'route_unusable',
      project_id: stack.projectId,
      name: 'unusable',
      url: 'http://relay.example.test/',
      tls: 'opportunistic',
      pool_size: 1,
      position: 0,
      match: { recipient_domains: ['unusable-route.test'] },
      created_at: new Date(),
    });
    const { handle } = await send(stack, 'someone@unusable-route.test');
    await expectResult(handle, 'failed');
    return handle;
  },
  'message-paced': async (stack) => {
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS, pacing: { 'paced.test': { concurrent: 1 } } });
    stack.sink.delayMs = 300;
    const sent = await Promise.all([1, 2, 3, 4].map((n) => send(stack, `p${n}@paced.test`)));
    for (const { handle } of sent) await expectResult(handle, 'delivered');
    stack.sink.delayMs = 0;
    await setPolicy(stack, { retry_schedule: ONE_SECOND_RUNGS });
    // Keep the one that waited longest for its slot: the most refused tries.
    const lengths = await Promise.all(
      sent.map(async (s) => (await s.handle.fetchHistory()).events?.length ?? 0),
    );
    return sent[lengths.indexOf(Math.max(...lengths))].handle;
  },
  'webhook-retried-then-delivered': async (stack, receiver) => {
    const hookId = await addWebhook(stack, receiver);
    receiver.failNext(1, 503);
    const { messageId, handle } = await send(stack, 'hooked@example.test');
    await expectResult(handle, 'delivered');
    const hook = await webhookHandle(stack, messageId, hookId);
    await expectResult(hook, 'succeeded');
    await stack.request('DELETE', `/v1/webhooks/${hookId}`);
    return hook;
  },
};

/** Scenarios that need days to pass: on the time-skipping test server. */
const timeSkippingScenarios: Record<string, Scenario> = {
  'webhook-failed': async (stack, receiver) => {
    const hookId = await addWebhook(stack, receiver);
    receiver.failNext(1000, 500);
    const { messageId, handle } = await send(stack, 'hook-down@example.test');
    await expectResult(handle, 'delivered');
    const hook = await webhookHandle(stack, messageId, hookId);
    await expectResult(hook, 'failed');
    receiver.failNext(0);
    return hook;
  },
};

async function record(dir: string, scenarios: Record<string, Scenario>, timeSkipping: boolean) {
  const env = { SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true', SENDFLOW_RETRY_SCHEDULE: '1s,1s,1s,1s,1s' };
  const [stack, receiver] = await Promise.all([
    startTestStack(env, { timeSkipping }),
    startWebhookReceiver(),
  ]);
  try {
    for (const [name, scenario] of Object.entries(scenarios)) {
      const handle = await scenario(stack, receiver);
      const history = await handle.fetchHistory();
      writeFileSync(path.join(dir, `${name}.json`), `${historyToJSON(history)}\n`);
      console.log(`recorded ${name}: ${history.events?.length} events`);
    }
  } finally {
    await Promise.all([stack.close(), receiver.close()]);
  }
}

async function main() {
  const shape = process.argv[2];
  if (!shape || !/^[a-z0-9-]+$/.test(shape))
    throw new Error('usage: record-histories <shape>, e.g. deliver-v2');
  const dir = path.join(HISTORIES, shape);
  if (existsSync(dir)) throw new Error(`${dir} exists: fixtures of a released shape are never re-recorded`);
  await globalSetup();
  try {
    mkdirSync(dir, { recursive: true });
    await record(dir, devServerScenarios, false);
    await record(dir, timeSkippingScenarios, true);
  } finally {
    await globalTeardown();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
