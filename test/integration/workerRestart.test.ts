import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FINAL_STATUSES } from '../../src/contracts/statuses';
import { startTestStack, type TestStack } from '../support/testStack';

const ROOT = path.join(__dirname, '..', '..');
const WORKER = path.join(ROOT, 'dist', 'src', 'worker', 'main.js');
const base = { from: 'app@acme.test', subject: 'Restart', text: 'Hi' };

describe('a worker process killed mid-batch', () => {
  let stack: TestStack;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    // The worker runs as its own process, from the build (compiled code and workflow bundle).
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    expect(existsSync(WORKER)).toBe(true);
    expect(existsSync(path.join(ROOT, 'dist', 'workflow-bundle.js'))).toBe(true);
    stack = await startTestStack({}, { noWorkers: true });
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await stack?.close();
  });

  const startWorkerProcess = () => {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        MONGODB_URI: stack.config.MONGODB_URI,
        TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
        SMTP_URL: stack.config.SMTP_URL,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
    return child;
  };

  const countFinal = () =>
    stack.database.collections.messages.countDocuments({ status: { $in: [...FINAL_STATUSES] } });

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
      .aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }])
      .toArray();
    expect(statuses).toEqual([{ _id: 'delivered', n: 100 }]);
    const recipients = new Set(stack.sink.received.map((m) => m.envelopeTo[0]));
    expect(recipients.size).toBe(100);
    const deferred = await stack.database.collections.events.countDocuments({ type: 'email.deferred' });
    expect(deferred).toBeGreaterThanOrEqual(10);
    console.log(
      `restart test: killed after ${atKill.delivered} mails (${atKill.final} final); all 100 final ` +
        `${Math.round((Date.now() - restartedAt) / 100) / 10}s after restart; ` +
        `${stack.sink.received.length - recipients.size} duplicate deliveries (a send cut off by the kill)`,
    );
  }, 300_000);
});
