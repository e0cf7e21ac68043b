import { randomBytes } from 'node:crypto';
import { endToEnd, inLanes, round } from '../measure';
import { DOMAIN, log, SIZES } from '../options';
import type { BenchStack } from '../stack';
import { summarize } from '../stats';

/**
 * Scenario 2d: what SENDFLOW_ENCRYPTION_KEY costs. The same API and worker setup twice in one
 * run, without and with a key (Temporal payloads and content at rest sealed): accepts of single
 * sends at concurrency 16 for `acceptSeconds`, then the end-to-end load of scenario 2b.
 */
export async function encryptionCost(stack: BenchStack) {
  log(`scenario 2d: encryption off and on, ${SIZES.scale} messages end to end each`);
  const key = randomBytes(32).toString('base64');
  // Each mode on a database of its own: sealed content never meets a process without the key.
  const modes: Record<'off' | 'on', Record<string, string>> = {
    off: { MONGODB_URI: stack.mongoUri('sendflow_bench_enc_off') },
    on: { MONGODB_URI: stack.mongoUri('sendflow_bench_enc_on'), SENDFLOW_ENCRYPTION_KEY: key },
  };
  const result: Record<string, unknown> = {};
  for (const [mode, env] of Object.entries(modes)) {
    const queue = `bench-enc-${mode}`;
    const api = await stack.startApi(queue, env);
    const worker = await stack.startWorker(queue, env);
    try {
      const latencies: number[] = [];
      const deadline = Date.now() + SIZES.acceptSeconds * 1000;
      let sent = 0;
      await inLanes(16, Number.MAX_SAFE_INTEGER, async () => {
        if (Date.now() >= deadline) throw STOP;
        const t0 = performance.now();
        await fetch(`${api.url}/v1/messages`, {
          method: 'POST',
          headers: stack.auth,
          body: JSON.stringify(stack.message(`acc-${mode}-${sent++}@${DOMAIN}`)),
        }).then((r) => r.arrayBuffer());
        latencies.push(performance.now() - t0);
      }).catch((err) => {
        if (err !== STOP) throw err;
      });
      const e2e = await endToEnd(api.url, stack.sink, SIZES.scale, `enc-${mode}`, stack.auth, stack.message);
      const accept = { rps: round(latencies.length / SIZES.acceptSeconds), ...summarize(latencies) };
      log(
        `  ${mode}: accept ${accept.rps} req/s p99 ${accept.p99} ms; end to end ${e2e.messages_per_second} msg/s, p50 ${e2e.latency.p50} ms, lost ${e2e.lost}`,
      );
      result[mode] = { accept, end_to_end: e2e };
    } finally {
      await api.proc.stop();
      await worker.stop();
    }
  }
  return result as Record<
    'off' | 'on',
    { accept: { rps: number; p50: number; p99: number }; end_to_end: Awaited<ReturnType<typeof endToEnd>> }
  >;
}

const STOP = new Error('accept window over');
