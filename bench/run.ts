/**
 * npm run bench [-- --quick]: starts its own servers on loopback and runs each scenario
 * (bench/scenarios/) next to its ceiling, measured in the same run; bench/report.ts writes the
 * results. Options are in bench/options.ts.
 */
import os from 'node:os';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ONLY, QUICK } from './options';
import { type BenchResults, writeReport, writeVolumeReport } from './report';
import { acceptPath } from './scenarios/acceptPath';
import { bullmqPeer } from './scenarios/bullmqPeer';
import { directDeliveryRun } from './scenarios/directDelivery';
import { encryptionCost } from './scenarios/encryptionCost';
import { endToEndRun } from './scenarios/endToEnd';
import { largeBodies } from './scenarios/largeBodies';
import { otpLatency } from './scenarios/otpLatency';
import { relaySubmission } from './scenarios/relaySubmission';
import { scaleOut } from './scenarios/scaleOut';
import { volumeRun } from './scenarios/volume';
import { type BenchStack, startBenchStack } from './stack';

const machineOf = (stack: BenchStack) => ({
  cpus: os.cpus().length,
  model: os.cpus()[0]?.model,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  mongo: stack.mongoKind,
});

async function main(): Promise<void> {
  // The in-process workers' state changes would drown the figures; warnings still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = await startBenchStack();
  if (ONLY === 'peer') {
    try {
      console.log(JSON.stringify(await bullmqPeer(stack), null, 2));
    } finally {
      await stack.close();
    }
    return;
  }
  if (ONLY === 'accept') {
    try {
      const accept = await acceptPath(stack);
      const relay = await relaySubmission(stack);
      console.log(JSON.stringify({ accept, relay, large_bodies: await largeBodies(stack) }, null, 2));
    } finally {
      await stack.close();
    }
    return;
  }
  if (ONLY === 'e2e') {
    try {
      const run = await endToEndRun(stack);
      const api = await stack.startApi('bench-e2e');
      await stack.startWorker('bench-e2e');
      const otp = await otpLatency(stack, api.url);
      await api.proc.stop();
      console.log(JSON.stringify({ end_to_end: run.e2e, cpu_per_message: run.cpuPerMessage, otp }, null, 2));
    } finally {
      await stack.close();
    }
    return;
  }
  if (ONLY === 'volume') {
    try {
      writeVolumeReport(stack.started.toISOString(), machineOf(stack), await volumeRun(stack));
    } finally {
      await stack.close();
    }
    return;
  }
  let results: BenchResults;
  try {
    const accept = await acceptPath(stack);
    const relay = await relaySubmission(stack);
    const large = await largeBodies(stack);
    const run = await endToEndRun(stack);
    const direct = await directDeliveryRun(stack);
    const encryption = await encryptionCost(stack);
    const peer = await bullmqPeer(stack);
    // OTP latency and scale-out share one fresh API and worker.
    const api = await stack.startApi('bench-e2e');
    await stack.startWorker('bench-e2e');
    const otp = await otpLatency(stack, api.url);
    const scale = await scaleOut(stack, api.url);
    await api.proc.stop();
    const volume = await volumeRun(stack);
    results = {
      machine: machineOf(stack),
      quick: QUICK,
      started: stack.started.toISOString(),
      finished: new Date().toISOString(),
      accept,
      relay,
      large_bodies: large,
      end_to_end: run.e2e,
      end_to_end_mx: direct,
      encryption,
      peer,
      cpu_per_message: run.cpuPerMessage,
      footprint: run.footprint,
      mongo_commands_per_message: run.mongoCommands,
      end_to_end_ceiling: run.ceiling,
      temporal_floor: run.floor,
      otp,
      scale_out: scale,
      volume,
    };
  } finally {
    await stack.close();
  }
  writeReport(results);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
