import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FINAL_STATUSES } from '../../src/contracts/statuses';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

import { ensureBuiltDist } from '../support/builtDist';
import { spawnBuilt, stackProcessEnv, startApiProcess } from '../support/builtProcesses';
import { startTestStack, type TestStack } from '../support/testStack';

const ROOT = path.join(__dirname, '..', '..');
const WORKER = path.join(ROOT, 'dist', 'src', 'worker', 'main.js');
const base = { from: 'app@acme.test', subject: 'Restart', text: 'Hi' };

describe('processes killed mid-work', () => {
  let stack: TestStack;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    // The worker runs as its own process, from the build (compiled code and workflow bundle).
    ensureBuiltDist();
    expect(existsSync(WORKER)).toBe(true);
    expect(existsSync(path.join(ROOT, 'dist', 'workflow-bundle.js'))).toBe(true);
    stack = await startTestStack({}, { noWorkers: true });
  });
  afterEach(() => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
  });
  afterAll(async () => {
    await stack?.close();
  });

  const processEnv = () => stackProcessEnv(stack);
  const startWorkerProcess = () => {
    const child = spawnBuilt('worker/main.js', processEnv());
    workers.push(child);
    return child;
  };
  /** The API as its own process; resolves once it answers. */
  const startApi = async () => {
    const api = await startApiProcess(processEnv());
    workers.push(api.child);
    return api;
  };
  const timeline = async (messageId: string) =>
    (
      (await (await stack.request('GET', `/v1/messages/${messageId}`)).json()) as {
        events: { event: string; attempt?: number }[];
      }
    ).events.map((e) => [e.event, e.attempt]);

  const ofBatch = { recipient: { $regex: '^r\\d' } };
  const countFinal = () =>
    stack.database.collections.messages.countDocuments({ ...ofBatch, status: { $in: [...FINAL_STATUSES] } });

  it('loses no message: after a restart every one of 100 reaches a final state', async () => {
    await stack.request('PUT', '/v1/delivery-policy', {
      body: { retry_schedule: ['2s', '2s', '2s', '2s', '2s'] },
    });
    for (let i = 0; i < 100; i += 10) {
      stack.sink.replyForRecipient(`r${i}@example.test`, { code: 451, message: '4.7.1 Try again later' }, 1);
    }
    stack.sink.delayMs = 40;
    const res = await stack.request('POST', '/v1/messages/batch', {
      body: Array.from({ length: 100 }, (_, i) => ({ ...base, recipient: `r${i}@example.test` })),
    });
    expect(res.status).toBe(200);

    const first = startWorkerProcess();
    const started = Date.now();
    while (stack.sink.received.length < 30 && Date.now() - started < 90_000)
      await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    const atKill = { delivered: stack.sink.received.length, final: await countFinal() };
    expect(atKill.final).toBeLessThan(100);

    const restartedAt = Date.now();
    startWorkerProcess();
    while ((await countFinal()) < 100 && Date.now() - restartedAt < 150_000)
      await new Promise((r) => setTimeout(r, 250));
    const statuses = await stack.database.collections.messages
      .aggregate<{ _id: string; n: number }>([
        { $match: ofBatch },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ])
      .toArray();
    expect(statuses).toEqual([{ _id: 'delivered', n: 100 }]);
    const recipients = new Set(stack.sink.received.map((m) => m.envelopeTo[0]));
    expect(recipients.size).toBe(100);
    // Each of the ten 451s was answered to an attempt, recorded `deferred`, or `unknown` when
    // the kill cut that attempt off before its answer was recorded.
    const retried = await stack.database.collections.events.countDocuments({
      type: { $in: ['email.deferred', 'email.unknown'] },
    });
    expect(retried).toBeGreaterThanOrEqual(10);
    console.log(
      `restart test: killed after ${atKill.delivered} mails (${atKill.final} final); all 100 final ` +
        `${Math.round((Date.now() - restartedAt) / 100) / 10}s after restart; ` +
        `${stack.sink.received.length - recipients.size} duplicate deliveries (a send cut off by the kill)`,
    );
  }, 300_000);

  it('an API killed mid-burst leaves no stored message unmoved, and retries with the same keys deliver each once', async () => {
    stack.sink.delayMs = 0;
    startWorkerProcess();
    const api = await startApi();
    const total = 120;
    const bodies = Array.from({ length: total }, (_, i) => ({
      ...base,
      recipient: `burst${i}@example.test`,
    }));
    const send = (url: string, i: number) =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': `burst-${i}`,
        },
        body: JSON.stringify(bodies[i]),
      }).then(
        (r) => r.status,
        () => 0,
      );
    const answered = new Set<number>();
    const burst = bodies.map((_, i) =>
      send(api.url, i).then((status) => {
        if (status === 202) answered.add(i);
      }),
    );
    const started = Date.now();
    while (answered.size < 15 && Date.now() - started < 60_000) await pause(2);
    api.child.kill('SIGKILL');
    await Promise.all(burst);
    expect(answered.size).toBeLessThan(total);

    // No client retries yet: every message the dead API stored must still reach a final status.
    const messages = stack.database.collections.messages;
    const ofBurst = { recipient: { $regex: '^burst' } };
    const unmoved = () => messages.countDocuments({ ...ofBurst, status: { $nin: [...FINAL_STATUSES] } });
    const settleBy = Date.now() + 60_000;
    while ((await unmoved()) > 0 && Date.now() < settleBy) await pause(250);
    expect(await unmoved()).toBe(0);
    const storedAtCrash = await messages.countDocuments(ofBurst);

    // The clients retry what got no answer, under the same keys, against a new API.
    const again = await startApi();
    const statuses = await Promise.all(bodies.map((_, i) => (answered.has(i) ? 202 : send(again.url, i))));
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    const deliverBy = Date.now() + 90_000;
    const delivered = () => messages.countDocuments({ ...ofBurst, status: 'delivered' });
    while ((await delivered()) < total && Date.now() < deliverBy) await pause(250);
    expect(await messages.countDocuments(ofBurst)).toBe(total);
    expect(await delivered()).toBe(total);
    const perRecipient = new Map<string, number>();
    for (const m of stack.sink.received)
      for (const to of m.envelopeTo.filter((r) => r.startsWith('burst')))
        perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    expect(perRecipient.size).toBe(total);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    console.log(
      `API crash test: killed after ${answered.size} answers with ${storedAtCrash} messages stored; ` +
        `all ${total} delivered once after the retries`,
    );
  }, 240_000);

  it('records a send cut off by a worker crash after its DATA as an attempt with an unknown outcome, and sends again', async () => {
    await stack.request('PUT', '/v1/delivery-policy', { body: { retry_schedule: ['2s', '2s'] } });
    const seen = stack.sink.dataTimes.length;
    stack.sink.delayMs = 8000;
    const first = startWorkerProcess();
    const { messageId } = await stack.sendMessage({ ...base, recipient: 'cutoff@example.test' });
    const started = Date.now();
    while (stack.sink.dataTimes.length === seen && Date.now() - started < 60_000) await pause(20);
    // The receiver has the whole message and is about to answer 250: the worker dies now.
    first.kill('SIGKILL');
    stack.sink.delayMs = 0;
    startWorkerProcess();

    await stack.waitForStatus(messageId, ['delivered'], 90_000);
    expect(await timeline(messageId)).toEqual([
      ['email.queued', undefined],
      ['email.accepted', undefined],
      ['email.unknown', 1],
      ['email.delivered', 2],
    ]);
    const res = await stack.request('GET', `/v1/messages/${messageId}`);
    const events = ((await res.json()) as { events: { event: string; reason?: string }[] }).events;
    expect(events.find((e) => e.event === 'email.unknown')?.reason).toBe('outcome_unknown');
    // Sent again under the same Message-ID, so a receiver that took the first one can tell.
    const ids = stack.sink.attemptLog
      .filter((a) => a.to.includes('cutoff@example.test'))
      .map((a) => a.messageId);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(1);
  }, 180_000);
});
