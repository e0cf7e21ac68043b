import { randomBytes } from 'node:crypto';
import type { RetentionReport } from '../../src/contracts/retention';
import { ensureRetentionSchedule, retentionScheduleId } from '../../src/temporal/maintenanceSchedules';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const DAY = 86_400_000;

describe('retention', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ SENDFLOW_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    await ensureRetentionSchedule(stack.temporal, stack.config.TEMPORAL_TASK_QUEUE, 60);
  });
  afterAll(async () => {
    await stack?.temporal.schedule.getHandle(retentionScheduleId(stack.config.TEMPORAL_TASK_QUEUE)).delete();
    await stack?.close();
  });

  /** Runs the retention Schedule now (as "Trigger" in the Temporal UI does) and waits for its report. */
  const runSchedule = async (): Promise<RetentionReport> => {
    const schedule = stack.temporal.schedule.getHandle(retentionScheduleId(stack.config.TEMPORAL_TASK_QUEUE));
    const seen = (await schedule.describe()).info.recentActions.length;
    await schedule.trigger();
    for (let i = 0; i < 200; i++) {
      const actions = (await schedule.describe()).info.recentActions;
      if (actions.length > seen) {
        const started = actions[actions.length - 1].action;
        return (await stack.temporal.workflow
          .getHandle(started.workflow.workflowId, started.workflow.firstExecutionRunId)
          .result()) as RetentionReport;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the schedule started no run');
  };
  /** Moves a message's creation back in the database: the clock, as retention sees it. */
  const age = (id: string, days: number) =>
    stack.database.collections.messages.updateOne(
      { _id: id },
      { $set: { created_at: new Date(Date.now() - days * DAY) } },
    );
  const get = async (id: string) => {
    const res = await stack.request('GET', `/v1/messages/${id}`);
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('purges content after content_retention_days and whole messages after metadata_retention_days', async () => {
    const account = (await (await stack.request('GET', '/v1/account')).json()) as Json;
    expect(account.data_retention).toEqual({
      content_retention_days: 30,
      metadata_retention_days: 90,
      store_content: true,
    });
    const big = Buffer.from('attached '.repeat(50_000));
    const old = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'old@example.test',
      subject: 'Old invoice',
      html: '<p>Old body</p>',
      tags: ['invoice'],
      attachments: [{ filename: 'invoice.txt', content: big.toString('base64'), content_type: 'text/plain' }],
    });
    const recent = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'recent@example.test',
      subject: 'Recent',
      text: 'Recent body',
    });
    const pending = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'later@example.test',
      subject: 'Later',
      text: 'Not yet sent',
      scheduled_time: new Date(Date.now() + 2 * DAY).toISOString(),
    });
    expect(await old.handle.result()).toBe('delivered');
    expect(await recent.handle.result()).toBe('delivered');
    const stored = await stack.database.collections.messages.findOne({ _id: old.messageId });
    const fileId = stored?.attachments[0].gridfs_id;
    expect(fileId).toBeDefined();

    // 31 days later: the old message loses its content, the rest stays as it was.
    await age(old.messageId, 31);
    await age(pending.messageId, 31);
    const first = await runSchedule();
    expect(first.content).toEqual({ messages: 1, files: 1 });
    const purged = await get(old.messageId);
    expect(purged.body).toMatchObject({
      status: 'delivered',
      subject: 'Old invoice',
      html: null,
      text: null,
      content_purged_at: expect.any(String),
      attachments: [{ filename: 'invoice.txt', size: big.length }],
    });
    expect((purged.body.events as unknown[]).length).toBeGreaterThan(2);
    const files = stack.database.collections.attachmentFiles;
    expect(await files.files.countDocuments({ _id: fileId })).toBe(0);
    expect(await files.chunks.countDocuments({ files_id: fileId })).toBe(0);
    expect(
      (await stack.database.collections.messages.findOne({ _id: old.messageId }))?.sealed?.body,
    ).toBeUndefined();
    expect((await get(recent.messageId)).body).toMatchObject({
      text: 'Recent body',
      content_purged_at: null,
    });
    expect((await get(pending.messageId)).body).toMatchObject({ status: 'scheduled', text: 'Not yet sent' });

    // Running again finds nothing new: the purge is idempotent.
    expect((await runSchedule()).content).toEqual({ messages: 0, files: 0 });

    // 91 days: delivered messages are gone with their events and tags; the pending one stays.
    await age(old.messageId, 91);
    await age(recent.messageId, 91);
    await age(pending.messageId, 91);
    const second = await runSchedule();
    expect(second.metadata.messages).toBe(2);
    expect(second.metadata.records).toBeGreaterThanOrEqual(6);
    expect((await get(old.messageId)).status).toBe(404);
    expect((await get(recent.messageId)).status).toBe(404);
    const c = stack.database.collections;
    expect(await c.events.countDocuments({ message_id: { $in: [old.messageId, recent.messageId] } })).toBe(0);
    expect(await c.messageTags.countDocuments({ message_id: old.messageId })).toBe(0);
    expect((await get(pending.messageId)).body).toMatchObject({ status: 'scheduled' });
  });

  it('drops content as soon as a message is final when the project stores none', async () => {
    const set = await stack.request('PUT', '/v1/account/settings', { body: { store_content: false } });
    expect(set.status).toBe(200);
    expect(((await set.json()) as Json).data_retention).toMatchObject({ store_content: false });
    try {
      const { messageId, handle } = await stack.sendMessage({
        from: 'app@acme.test',
        recipient: 'nostore@example.test',
        subject: 'Your code',
        text: 'Code 123456',
      });
      expect(await handle.result()).toBe('delivered');
      // The mail went out whole; what is kept afterwards has no body.
      const mail = stack.sink.received.find((m) => m.envelopeTo.includes('nostore@example.test'));
      expect(mail?.raw).toContain('Code 123456');
      expect((await get(messageId)).body).toMatchObject({
        status: 'delivered',
        subject: 'Your code',
        text: null,
        content_purged_at: expect.any(String),
      });
    } finally {
      await stack.request('PUT', '/v1/account/settings', { body: { store_content: true } });
    }
  });

  it('refuses records kept shorter than content', async () => {
    const res = await stack.request('PUT', '/v1/account/settings', {
      body: { content_retention_days: 30, metadata_retention_days: 10 },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as Json).error).toBe('validation_failed');
    const account = (await (await stack.request('GET', '/v1/account')).json()) as Json;
    expect(account.data_retention).toMatchObject({ metadata_retention_days: 90 });
  });
});
