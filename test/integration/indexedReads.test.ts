import { type Document, MongoClient, type ObjectId } from 'mongodb';
import { findActiveKey, listLiveKeys } from '../../src/accounts/apiKeys';
import { projectAnalytics } from '../../src/analytics/analytics';
import { inboundPage } from '../../src/bounces/inboundReports';
import { decodeCursor } from '../../src/contracts/page';
import { storeAttachments } from '../../src/db/attachmentStore';
import { collectionsOf } from '../../src/db/mongo';
import { readStoredFile } from '../../src/db/storedFiles';
import { projectReputation } from '../../src/delivery/reputationGuard';
import { eventsAfter, latestSequence } from '../../src/events/eventQueries';
import { listMessages, messageWithTimeline } from '../../src/messages/messageService';
import { listSuppressions } from '../../src/suppressions/suppressionList';
import { hasSubscriber } from '../../src/webhooks/fanOut';
import { deliveryPage } from '../../src/webhooks/webhookStore';
import { startTestStack, type TestStack } from '../support/testStack';

/**
 * Every read on a request or delivery path must run on an index, so that it costs the same at a
 * million messages as at ten. Each read is run through a client that records its commands, and
 * every `find` it sent is explained by the server: FerretDB must say SEARCH … USING INDEX (and
 * never SCAN), mongod must not say COLLSCAN.
 */
describe('reads on request and delivery paths', () => {
  let stack: TestStack;
  let client: MongoClient;
  const finds: Document[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    client = new MongoClient(stack.config.MONGODB_URI, { monitorCommands: true });
    client.on('commandStarted', (e) => {
      if (e.commandName === 'find') finds.push(e.command);
    });
    await client.connect();
    for (let i = 0; i < 4; i++) {
      const { messageId } = await stack.sendMessage({
        from: 'app@acme.test',
        recipient: `reader${i}@example.test`,
        subject: 'Indexed',
        text: 'hi',
        tags: ['otp', `n${i}`],
      });
      await stack.waitForStatus(messageId, ['delivered']);
    }
    await stack.request('POST', '/v1/suppressions', { body: { recipient: 'gone@example.test' } });
  });
  afterAll(async () => {
    await client?.close();
    await stack?.close();
  });

  async function explainEach(recorded: Document[]) {
    const db = client.db();
    const plans: { collection: string; plan: string }[] = [];
    for (const cmd of recorded) {
      const fields = ['find', 'filter', 'sort', 'limit', 'hint', 'projection'];
      const query = Object.fromEntries(fields.filter((f) => cmd[f] !== undefined).map((f) => [f, cmd[f]]));
      const explained = await db.command({ explain: query, verbosity: 'queryPlanner' });
      plans.push({ collection: cmd.find, plan: JSON.stringify(explained.queryPlanner) });
    }
    return plans;
  }

  const indexed = (plan: string) =>
    plan.includes('COLLSCAN')
      ? false
      : plan.includes('"Plan"')
        ? /USING (COVERING )?INDEX/.test(plan) && !/detail=SCAN /.test(plan)
        : true;

  it('lists, filters and pages messages on an index, tags included', async () => {
    const c = collectionsOf(client.db());
    const q = { limit: 2, cursor: undefined };
    const first = await listMessages(c, stack.projectId, q);
    expect(first.items).toHaveLength(2);
    const cursor = decodeCursor(first.nextCursor as string) ?? undefined;
    const second = await listMessages(c, stack.projectId, { ...q, cursor });
    expect(second.items.map((m) => m._id)).not.toContain(first.items[0]._id);
    await listMessages(c, stack.projectId, { ...q, status: 'delivered' });
    await listMessages(c, stack.projectId, { ...q, recipient: 'reader1@example.test' });
    await listMessages(c, stack.projectId, {
      ...q,
      created_after: new Date(Date.now() - 60_000).toISOString(),
      created_before: new Date().toISOString(),
    });
    const tagged = await listMessages(c, stack.projectId, {
      ...q,
      limit: 3,
      tag: 'otp',
      status: 'delivered',
    });
    expect(tagged.items).toHaveLength(3);
    const rest = await listMessages(c, stack.projectId, {
      limit: 3,
      tag: 'otp',
      cursor: decodeCursor(tagged.nextCursor as string) ?? undefined,
    });
    expect(rest.items).toHaveLength(1);
    expect(rest.hasMore).toBe(false);
    expect((await listMessages(c, stack.projectId, { ...q, limit: 5, tag: 'n2' })).items).toHaveLength(1);

    const plans = await explainEach(finds.splice(0));
    expect(plans.length).toBeGreaterThanOrEqual(9);
    expect(plans.filter((p) => !indexed(p.plan))).toEqual([]);
  });

  it('reads a message’s timeline, event pages, analytics and reputation on an index', async () => {
    const c = collectionsOf(client.db());
    const [newest] = (await listMessages(c, stack.projectId, { limit: 1, cursor: undefined })).items;
    finds.splice(0);
    const detail = await messageWithTimeline(c, stack.projectId, newest._id);
    expect(detail.events.length).toBeGreaterThan(2);
    const page = await eventsAfter(c, stack.projectId, 2, { limit: 3 });
    expect(page.payloads).toHaveLength(3);
    await eventsAfter(c, stack.projectId, 0, { limit: 3, type: 'email.delivered' });
    expect(await latestSequence(c, stack.projectId)).toBeGreaterThan(10);
    const stats = await projectAnalytics(c, stack.projectId, {
      since: new Date(Date.now() - 30 * 86_400_000).toISOString(),
      bucket: 'day',
    });
    expect(stats.totals['email.delivered']).toBe(4);
    expect((await projectReputation(c, stack.projectId, new Date())).sent).toBe(4);

    const plans = await explainEach(finds.splice(0));
    expect(plans.map((p) => p.collection)).toEqual(expect.arrayContaining(['events', 'hourly_counts']));
    expect(plans.filter((p) => !indexed(p.plan))).toEqual([]);
  });

  it('authenticates, checks subscribers and lists keys, suppressions, reports and deliveries on an index', async () => {
    const c = collectionsOf(client.db());
    finds.splice(0);
    expect(await findActiveKey(c, stack.apiKey)).toMatchObject({ project_id: stack.projectId });
    expect(await hasSubscriber(c, stack.projectId, 'email.delivered')).toBe(false);
    expect((await listLiveKeys(c, stack.projectId)).length).toBeGreaterThan(0);
    expect((await listSuppressions(c, stack.projectId, undefined, { limit: 5 })).items).toHaveLength(1);
    await listSuppressions(c, stack.projectId, 'manual', { limit: 5 });
    await inboundPage(c, stack.projectId, { limit: 5 });
    await deliveryPage(c, 'whk_none', { limit: 5 });

    const plans = await explainEach(finds.splice(0));
    expect(plans.length).toBe(7);
    expect(plans.filter((p) => !indexed(p.plan))).toEqual([]);
  });

  it('reads files stored in GridFS (large attachments, large relay submissions) on the chunk index', async () => {
    const c = collectionsOf(client.db());
    const content = Buffer.alloc(700 * 1024, 7);
    const [ref] = await storeAttachments(c.attachmentFiles, 'msg_indexed', [
      { filename: 'big.bin', content: content.toString('base64'), content_type: 'application/octet-stream' },
    ]);
    finds.splice(0);
    // Buffer.equals: jest's deep equality walks a 700 KB buffer byte by byte for seconds.
    expect((await readStoredFile(c.attachmentFiles, ref.gridfs_id as ObjectId)).equals(content)).toBe(true);

    const plans = await explainEach(finds.splice(0));
    expect(plans.map((p) => p.collection).sort()).toEqual(['attachments.chunks', 'attachments.files']);
    expect(plans.filter((p) => !indexed(p.plan))).toEqual([]);
  });
});
