import type { WorkflowHandle } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { startTestStack, type TestStack } from '../support/testStack';

const COUNT = 200;
const { EventType } = proto.api.enums.v1;
// Workflow-task bookkeeping varies with load (a slow task times out and is retried, a long
// local activity heartbeats with an extra task): what the workflow decided does not.
const TASK_EVENTS = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
]);

async function historyLengths(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    all: events.length,
    decisions: events.filter((e) => !TASK_EVENTS.has(e.eventType as proto.api.enums.v1.EventType)).length,
  };
}

describe('waiting for a pacing slot', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`keeps every history small while ${COUNT} messages queue behind concurrent: 1`, async () => {
    const policy = await stack.request('PUT', '/v1/delivery-policy', {
      body: { retry_schedule: ['30s'], pacing: { 'one-at-a-time.test': { concurrent: 1 } } },
    });
    expect(policy.status).toBe(200);
    // Each send takes a while, so most messages are refused a slot many times.
    stack.sink.delayMs = 20;
    const res = await stack.request('POST', '/v1/messages/batch', {
      body: Array.from({ length: COUNT }, (_, i) => ({
        from: 'app@acme.test',
        recipient: `r${i}@one-at-a-time.test`,
        subject: 'Paced',
        text: 'Hi',
      })),
    });
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: { message_id: string }[] }).data.map((d) => d.message_id);
    const messages = await stack.database.collections.messages.find({ _id: { $in: ids } }).toArray();
    const handles = messages.map((m) => stack.temporal.workflow.getHandle(m.workflow_id));
    const { handle: unpacedHandle } = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'free@unpaced.test',
      subject: 'Unpaced',
      text: 'Hi',
    });
    const started = Date.now();
    expect(new Set(await Promise.all(handles.map((h) => h.result())))).toEqual(new Set(['delivered']));
    const waitedMs = Date.now() - started;

    expect(stack.sink.maxInFlight).toBe(1);
    const lengths = await Promise.all(handles.map(historyLengths));
    const longest = Math.max(...lengths.map((l) => l.all));
    const mostDecisions = Math.max(...lengths.map((l) => l.decisions));
    await unpacedHandle.result();
    const unpaced = await historyLengths(unpacedHandle);
    // The last message waited behind ~199 sends, yet it decided what an unpaced message decides
    // plus one slot activity (scheduled, started, completed), the patch marker and the slot
    // release: a constant, however many times the slot was refused.
    console.log(
      `${COUNT} paced messages delivered in ${waitedMs} ms; longest history ${longest} events (${mostDecisions} not workflow-task bookkeeping), unpaced ${unpaced.all} (${unpaced.decisions})`,
    );
    // Idle it is exactly +6. On a loaded machine a slot activity can time out and be scheduled
    // again (3 events a time); ~199 refusals recorded one by one would add hundreds.
    expect(mostDecisions).toBeLessThanOrEqual(unpaced.decisions + 6 + 15);
    // 200 sends one at a time, with the suite's other files sharing the two cores.
  }, 600_000);
});
