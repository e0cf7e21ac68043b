import type { ChildProcess } from 'node:child_process';
import { ensureBuiltDist } from '../support/builtDist';
import { spawnBuilt, stackProcessEnv, startApiProcess } from '../support/builtProcesses';
import { startTestStack, type TestStack } from '../support/testStack';

const BURST = 30;

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('SIGTERM drains', () => {
  let stack: TestStack;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    ensureBuiltDist();
    stack = await startTestStack({}, { noWorkers: true });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await stack?.close();
  });

  const env = () => stackProcessEnv(stack, { SENDFLOW_DRAIN_SECONDS: '20' });
  const start = (entry: string) => {
    const child = spawnBuilt(entry, env());
    children.push(child);
    return child;
  };
  const startApi = async () => {
    const api = await startApiProcess(env());
    children.push(api.child);
    return api;
  };
  const send = (url: string, i: number) =>
    fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': `drain-${i}`,
      },
      body: JSON.stringify({
        from: 'app@acme.test',
        recipient: `d${i}@example.test`,
        subject: 'Drain',
        text: `#${i}`,
      }),
    }).then(
      (r) => r.status,
      () => 'cut' as const,
    );

  it('loses and doubles nothing when the API and the worker are stopped in the middle of a burst', async () => {
    // Each SMTP transaction takes a while, so attempts are under way when the worker is told to stop.
    stack.sink.delayMs = 700;
    try {
      const worker = start('worker/main.js');
      const first = await startApi();
      const answers = Array.from({ length: BURST }, (_, i) => send(first.url, i));
      await new Promise((r) => setTimeout(r, 150));
      first.child.kill('SIGTERM');
      const results = await Promise.all(answers);
      // Every request was answered 202, or cut before it was read: none half-done (no 5xx).
      expect(results.filter((r) => r !== 202 && r !== 'cut')).toEqual([]);
      expect(await exited(first.child)).toBe(0);

      // Attempts are under way: the worker finishes them and exits, taking no new work.
      for (let i = 0; i < 100 && stack.sink.attemptLog.length === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(stack.sink.attemptLog.length).toBeGreaterThan(0);
      worker.kill('SIGTERM');
      expect(await exited(worker)).toBe(0);

      // The client retries what was cut, with the same keys, on another API; another worker goes on.
      const second = await startApi();
      const retried = await Promise.all(
        results.map((r, i) => (r === 'cut' ? send(second.url, i) : Promise.resolve(r))),
      );
      expect(retried.every((r) => r === 202)).toBe(true);
      start('worker/main.js');
      const deadline = Date.now() + 60_000;
      const c = stack.database.collections;
      while (Date.now() < deadline && (await c.messages.countDocuments({ status: 'delivered' })) < BURST)
        await new Promise((r) => setTimeout(r, 200));
      expect(await c.messages.countDocuments({ status: 'delivered' })).toBe(BURST);
      // Exactly once each: no attempt was cut off mid-transaction and sent again.
      const received = stack.sink.received.map((m) => m.envelopeTo[0]).sort();
      expect(received).toEqual(Array.from({ length: BURST }, (_, i) => `d${i}@example.test`).sort());
      expect(await c.events.countDocuments({ type: { $in: ['email.unknown', 'email.deferred'] } })).toBe(0);
      second.child.kill('SIGTERM');
    } finally {
      stack.sink.delayMs = 0;
    }
  });
});
