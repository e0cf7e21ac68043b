import { newId } from '../../src/db/ids';
import { type Collections, connectDatabase, type Database } from '../../src/db/mongo';
import { takeNumber } from '../../src/db/numberedTokens';
import { appendEvent, type NewEvent } from '../../src/events/eventLog';
import { sharedServices } from '../support/stackInfo';

jest.setTimeout(120_000);

/** Two connections to one database: two processes, each with its own in-process batching. */
let first: Database;
let second: Database;

beforeAll(async () => {
  const uri = `${sharedServices().mongoBaseUri}/sendflow_test_seq_${newId('t', 8).slice(2)}`;
  first = await connectDatabase(uri);
  second = await connectDatabase(uri);
});

afterAll(async () => {
  await first?.db.dropDatabase();
  await first?.close();
  await second?.close();
});

function event(projectId: string, i: number): NewEvent {
  return {
    _id: `msg_${projectId}_${i}:email.queued:0`,
    project_id: projectId,
    message_id: `msg_${projectId}_${i}`,
    recipient: `r${i}@example.test`,
    type: 'email.queued',
    status: 'queued',
    created_at: new Date(),
  };
}

describe('sequenced inserts', () => {
  it('numbers 300 events appended at once from two processes 1..300 without gaps or repeats', async () => {
    const projectId = newId('prj', 10);
    const sides: Collections[] = [first.collections, second.collections];
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => appendEvent(sides[i % 2], event(projectId, i))),
    );
    expect(results.every((r) => r.inserted)).toBe(true);
    const stored = await first.collections.events.find({ project_id: projectId }).toArray();
    expect(stored.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    const head = await first.collections.eventHeads.findOne({ _id: projectId });
    expect(head?.seq).toBe(300);
  });

  it('returns the recorded event for a repeated append, also inside one batch, without a new number', async () => {
    const projectId = newId('prj', 10);
    const once = await appendEvent(first.collections, event(projectId, 1));
    const [again, twin, other] = await Promise.all([
      appendEvent(second.collections, event(projectId, 1)),
      appendEvent(first.collections, event(projectId, 1)),
      appendEvent(first.collections, event(projectId, 2)),
    ]);
    expect(again).toEqual({ event: once.event, inserted: false });
    expect(twin).toEqual({ event: once.event, inserted: false });
    expect(other.inserted).toBe(true);
    expect(other.event.seq).toBe(2);
    expect(await first.collections.events.countDocuments({ project_id: projectId })).toBe(2);
  });

  it('continues above numbers another process took while this one remembered an older head', async () => {
    const projectId = newId('prj', 10);
    await appendEvent(first.collections, event(projectId, 1));
    for (let i = 2; i <= 5; i++) await appendEvent(second.collections, event(projectId, i));
    const next = await appendEvent(first.collections, event(projectId, 6));
    expect(next.event.seq).toBe(6);
  });

  it('hands out each number of a counter series exactly once across two processes', async () => {
    const series = `key:test:${newId('w', 8)}`;
    const expires = new Date(Date.now() + 60_000);
    const numbers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        takeNumber((i % 2 ? first : second).collections.rateWindows, series, expires),
      ),
    );
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});
