import { randomUUID } from 'node:crypto';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { SmtpSink } from '../../devtools/smtpSink';
import {
  commandsPerMessage,
  cpuMeter,
  dbFootprint,
  endToEnd,
  historyLength,
  inLanes,
  round,
  waitForSink,
} from '../measure';
import { DOMAIN, log, SIZES } from '../options';
import type { BenchStack } from '../stack';

/** The raw ceiling: pooled nodemailer straight to the sink, 64 sends at a time. */
async function nodemailerCeiling(sink: SmtpSink, count: number) {
  const transport = nodemailer.createTransport({
    url: sink.url,
    pool: true,
    maxConnections: 5,
    maxMessages: Number.POSITIVE_INFINITY,
  } as never);
  const t0 = Date.now();
  await inLanes(64, count, (i) =>
    transport.sendMail({
      from: `bench@${DOMAIN}`,
      to: `ceiling-${i}@${DOMAIN}`,
      subject: 'Your code',
      text: 'Code: 123456',
    }),
  );
  transport.close();
  return { messages_per_second: round(count / ((Date.now() - t0) / 1000)) };
}

/** The floor ceiling: `count` floorSend workflows started 32 at a time, until the sink has every mail. */
async function temporalFloor(stack: BenchStack, count: number) {
  const worker = await stack.startFloorWorker('bench-floor');
  try {
    const recipients = Array.from({ length: count }, (_, i) => `floor-${i}@${DOMAIN}`);
    const cpu = cpuMeter({ temporal: stack.temporalProc.pid, worker: worker.child.pid });
    const t0 = Date.now();
    await inLanes(32, count, (i) =>
      stack.client.workflow.start('floorSend', {
        taskQueue: 'bench-floor',
        workflowId: `floor-${randomUUID()}`,
        args: [recipients[i]],
      }),
    );
    await waitForSink(stack.sink, recipients);
    const seconds = (Date.now() - t0) / 1000;
    const delivered = recipients.filter((r) => stack.sink.arrivals.has(r)).length;
    return {
      messages_per_second: round(delivered / seconds),
      lost: count - delivered,
      cpu_per_message: cpu.perMessage(count, seconds),
    };
  } finally {
    await worker.stop();
  }
}

/**
 * Scenario 2: end to end with one worker, with CPU, MongoDB commands, storage and history per
 * message; then the two ceilings (nodemailer, Temporal floor) on the same machine.
 */
export async function endToEndRun(stack: BenchStack) {
  log(`scenario 2: end to end, ${SIZES.e2e} messages`);
  const before = await dbFootprint(stack.mongo);
  const apiProfile = path.join(stack.dir, 'api-mongo-profile.json');
  const workerProfile = path.join(stack.dir, 'worker-mongo-profile.json');
  const api = await stack.startApi(
    'bench-e2e',
    { SENDFLOW_MONGO_PROFILE: apiProfile },
    stack.profileArgs('api'),
  );
  const worker = await stack.startWorker(
    'bench-e2e',
    { SENDFLOW_MONGO_PROFILE: workerProfile },
    stack.profileArgs('worker'),
  );
  const cpu = cpuMeter({
    temporal: stack.temporalProc.pid,
    mongo: stack.mongoProc.pid,
    api: api.proc.child.pid,
    worker: worker.child.pid,
    bench: process.pid,
  });
  const e2e = await endToEnd(api.url, stack.sink, SIZES.e2e, 'e2e', stack.auth, stack.message);
  const cpuPerMessage = cpu.perMessage(SIZES.e2e, e2e.seconds);
  const after = await dbFootprint(stack.mongo);
  const footprint = {
    api_peak_rss_mib: api.proc.peakRssMiB(),
    worker_peak_rss_mib: worker.peakRssMiB(),
    mongo_documents_per_message: round((after.objects - before.objects) / SIZES.e2e),
    mongo_bytes_per_message: Math.round((after.dataSize - before.dataSize) / SIZES.e2e),
    temporal_history_events_per_message: await historyLength(stack.client, stack.mongo),
  };
  // The profiles are written when the processes exit.
  await api.proc.stop();
  await worker.stop();
  const mongoCommands = {
    api: commandsPerMessage(apiProfile, SIZES.e2e),
    worker: commandsPerMessage(workerProfile, SIZES.e2e),
  };
  const ceiling = await nodemailerCeiling(stack.sink, SIZES.e2e);
  log('  ceiling: Temporal floor (one workflow + one activity per mail, no MongoDB)');
  const floor = await temporalFloor(stack, SIZES.e2e);
  log(
    `  ${e2e.messages_per_second} msg/s (ceiling ${ceiling.messages_per_second}), p50 ${e2e.latency.p50} ms, p99 ${e2e.latency.p99} ms, lost ${e2e.lost}, duplicated ${e2e.duplicated}`,
  );
  return { e2e, cpuPerMessage, footprint, mongoCommands, ceiling, floor };
}
