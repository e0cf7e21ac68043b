import { MongoClient } from 'mongodb';
import type { EventPayload } from '../../src/contracts/webhookSchemas';
import { collectionsOf } from '../../src/db/mongo';
import { createEventFeed } from '../../src/events/eventFeed';
import { latestSequence } from '../../src/events/eventQueries';
import { startTestStack, type TestStack } from '../support/testStack';

describe('the live event feed behind SSE streams', () => {
  let stack: TestStack;
  let client: MongoClient;
  let eventReads = 0;

  beforeAll(async () => {
    stack = await startTestStack();
    client = new MongoClient(stack.config.MONGODB_URI, { monitorCommands: true });
    client.on('commandStarted', (e) => {
      if (e.commandName === 'find' && e.command.find === 'events') eventReads += 1;
    });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await stack?.close();
  });

  const sequences = (events: EventPayload[]) => events.map((e) => e.sequence);
  const until = async (done: () => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('serves 100 followers of a project with one poll of the event log, gap-free and in order', async () => {
    const c = collectionsOf(client.db());
    const pollMs = 100;
    const feed = createEventFeed(c, { pollMs });
    const start = await latestSequence(c, stack.projectId);
    const received: EventPayload[][] = Array.from({ length: 100 }, () => []);
    const stops = received.map((into) =>
      feed.follow(stack.projectId, start, (events) => into.push(...events)),
    );

    const began = Date.now();
    eventReads = 0;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { messageId } = await stack.sendMessage({
        from: 'app@acme.test',
        recipient: `feed${i}@example.test`,
        subject: 'Live',
        text: 'hi',
      });
      ids.push(messageId);
    }
    for (const id of ids) await stack.waitForStatus(id, ['delivered']);
    const last = await latestSequence(stack.database.collections, stack.projectId);
    await until(() => received.every((r) => r.at(-1)?.sequence === last));
    const polls = (Date.now() - began) / pollMs;
    const reads = eventReads;
    for (const stop of stops) stop();

    const expected = Array.from({ length: last - start }, (_, i) => start + 1 + i);
    for (const r of received) expect(sequences(r)).toEqual(expected);
    expect(received[0].filter((e) => e.event === 'email.delivered')).toHaveLength(5);
    // One poll per tick for all 100 (a page read may take two): never one per follower.
    expect(reads).toBeLessThanOrEqual(2 * polls + 5);
  });

  it('lets a follower resume from far back: it reads its gap itself, then joins the shared poll', async () => {
    const c = collectionsOf(client.db());
    const feed = createEventFeed(c, { pollMs: 100, keep: 3 });
    const live: EventPayload[] = [];
    const stopLive = feed.follow(stack.projectId, await latestSequence(c, stack.projectId), (e) =>
      live.push(...e),
    );
    const { messageId } = await stack.sendMessage({
      from: 'app@acme.test',
      recipient: 'resume@example.test',
      subject: 'Again',
      text: 'hi',
    });
    await stack.waitForStatus(messageId, ['delivered']);
    const last = await latestSequence(stack.database.collections, stack.projectId);
    await until(() => live.at(-1)?.sequence === last);

    const resumed: EventPayload[] = [];
    const stopResumed = feed.follow(stack.projectId, 0, (e) => resumed.push(...e));
    await until(() => resumed.at(-1)?.sequence === last);
    stopLive();
    stopResumed();
    expect(sequences(resumed)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });
});
