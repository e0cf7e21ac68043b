import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import autocannon from 'autocannon';
import { freePort } from '../../devtools/localServices';
import { deliverMessage } from '../../src/workflows/deliverMessage';
import { round } from '../measure';
import { DOMAIN, log, SIZES } from '../options';
import { startBareServer } from '../processes';
import type { BenchStack } from '../stack';
import { summarize } from '../stats';

/** workflow.start alone, `concurrency` at a time, on a queue no worker polls: the accept ceiling. */
async function workflowStartLoop(client: Client, concurrency: number, ms: number) {
  const latencies: number[] = [];
  const deadline = Date.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        await client.workflow.start(deliverMessage, {
          taskQueue: 'bench-ceiling',
          workflowId: `ceiling-${randomUUID()}`,
          args: [
            {
              messageId: 'none',
              projectId: 'none',
              recipient: `none@${DOMAIN}`,
              recipientDomain: DOMAIN,
              messageType: 'transactional',
              retryScheduleMs: [],
            },
          ],
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rps: round(latencies.length / (ms / 1000)), ...summarize(latencies) };
}

/** Scenario 1: POST /v1/messages under load, next to a bare Express 202 and a workflow.start loop. */
export async function acceptPath(stack: BenchStack) {
  log('scenario 1: accept path');
  const api = await stack.startApi('bench-accept');
  const barePort = await freePort();
  const bare = await startBareServer(barePort);
  const rows = [];
  try {
    for (const c of SIZES.concurrencies) {
      const run = (url: string) =>
        autocannon({
          url: `${url}/v1/messages`,
          connections: c,
          duration: SIZES.acceptSeconds,
          method: 'POST',
          headers: stack.auth,
          body: JSON.stringify(stack.message(`accept@${DOMAIN}`)),
        });
      const measured = await run(api.url);
      const bareRun = await run(`http://127.0.0.1:${barePort}`);
      const start = await workflowStartLoop(stack.client, c, SIZES.acceptSeconds * 1000);
      rows.push({
        concurrency: c,
        api: {
          rps: measured.requests.average,
          p50: measured.latency.p50,
          p99: measured.latency.p99,
          max: measured.latency.max,
          errors: measured.errors + measured.non2xx,
        },
        bare_express: { rps: bareRun.requests.average, p50: bareRun.latency.p50, p99: bareRun.latency.p99 },
        workflow_start: start,
      });
      log(
        `  c=${c}: api ${measured.requests.average.toFixed(0)} req/s p99 ${measured.latency.p99} ms; bare ${bareRun.requests.average.toFixed(0)}; workflow.start ${start.rps.toFixed(0)}/s`,
      );
    }
  } finally {
    await api.proc.stop();
    await bare.stop();
  }
  return rows;
}
export type AcceptRow = Awaited<ReturnType<typeof acceptPath>>[number];
