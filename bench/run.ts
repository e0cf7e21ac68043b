import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import {
  freePort,
  mongoSpec,
  provisionTools,
  startService,
  stopChild,
  temporalDevServerSpec,
} from '../devtools/localServices';
import type { CommandStat } from '../src/db/commandProfile';
import { barChartSvg } from './chart';
import { cpuSecondsOf, type Proc, ROOT, startBareServer, startNode } from './processes';
import { summarize } from './stats';

// npm run bench [-- --quick]: every scenario next to its ceiling, measured in the same run.
const QUICK = process.argv.includes('--quick');
// --cpu-prof: V8 CPU profiles of the end-to-end API and worker, for chrome://inspect or speedscope.
const CPU_PROF = process.argv.includes('--cpu-prof');
const SIZES = QUICK
  ? { acceptSeconds: 2, e2e: 100, otp: 10, scale: 60, concurrencies: [1, 16, 64] }
  : { acceptSeconds: 10, e2e: 5000, otp: 200, scale: 2000, concurrencies: [1, 16, 64] };
// --e2e=N, --otp=N: other counts, for comparing changes with less noise than --quick.
const countArg = (name: string) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]);
if (countArg('e2e') > 0) SIZES.e2e = countArg('e2e');
if (countArg('otp') > 0) SIZES.otp = countArg('otp');
const KEY = 'sf_bench_key_0123456789abcdef';
const OTP_WARMUP = 5;
const DOMAIN = 'bench.test';
const log = (s: string) => console.log(`[bench] ${s}`);

interface Sink {
  url: string;
  received: Map<string, number[]>;
  count(): number;
  close(): Promise<void>;
}

/** Counts mails per recipient with their arrival times; answers 250 at once. */
async function startSink(): Promise<Sink> {
  const received = new Map<string, number[]>();
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const now = Date.now();
        for (const r of session.envelope.rcptTo) {
          const list = received.get(r.address) ?? [];
          list.push(now);
          received.set(r.address, list);
          total += 1;
        }
        cb(null, 'Ok');
      });
    },
  });
  const port = await freePort();
  // A connection reset mid-transaction is the sender's problem, not the sink's.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    count: () => total,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function main(): Promise<void> {
  const started = new Date();
  const tools = provisionTools('all');
  if (!tools.temporalCli || !tools.mongo) throw new Error('provisioning failed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sendflow-bench-'));
  const [tPort, mPort] = [await freePort(), await freePort()];
  log(`starting Temporal dev server :${tPort} and ${tools.mongo.kind} :${mPort}`);
  const temporalProc = await startService(
    temporalDevServerSpec({ cli: tools.temporalCli, port: tPort, logFile: path.join(dir, 'temporal.log') }),
  );
  const mongoProc = await startService(
    mongoSpec({
      mongo: tools.mongo,
      port: mPort,
      dataDir: path.join(dir, 'mongo'),
      logFile: path.join(dir, 'mongo.log'),
    }),
  );
  const mongoUri = `mongodb://127.0.0.1:${mPort}/sendflow_bench`;
  const mongo = new MongoClient(mongoUri);
  await mongo.connect();
  const connection = await Connection.connect({ address: `127.0.0.1:${tPort}` });
  const client = new Client({ connection });
  const sink = await startSink();
  const procs: Proc[] = [];
  // An interrupted run must not leave servers behind to skew the next one.
  const abort = () => {
    for (const p of procs) p.child.kill('SIGKILL');
    temporalProc.kill('SIGKILL');
    mongoProc.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  const baseEnv = (queue: string): Record<string, string> => ({
    MONGODB_URI: mongoUri,
    TEMPORAL_ADDRESS: `127.0.0.1:${tPort}`,
    TEMPORAL_TASK_QUEUE: queue,
    SMTP_URL: sink.url,
    SENDFLOW_BOOTSTRAP_KEY: KEY,
    SENDFLOW_VERIFIED_DOMAINS: DOMAIN,
    LOG_LEVEL: 'warn',
  });
  // One directory per process: worker threads (workflow sandboxes) write their own profiles.
  const profileArgs = (name: string) =>
    CPU_PROF
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results', 'profiles', `${name}-${started.getTime()}`)}`,
        ]
      : [];
  const startApi = async (queue: string, extraEnv: Record<string, string> = {}, nodeArgs: string[] = []) => {
    const port = await freePort();
    const p = await startNode('api', { ...baseEnv(queue), PORT: String(port), ...extraEnv }, port, nodeArgs);
    procs.push(p);
    // The bootstrap key has the default 1000/min limit; the benchmark must not measure 429s.
    await mongo
      .db()
      .collection('api_keys')
      .updateOne({ _id: 'key_bootstrap' as never }, { $set: { rate_limit_per_minute: 10_000_000 } });
    return { url: `http://127.0.0.1:${port}`, proc: p };
  };
  const startWorker = async (
    queue: string,
    extraEnv: Record<string, string> = {},
    nodeArgs: string[] = [],
  ) => {
    const p = await startNode(
      'worker',
      { ...baseEnv(queue), LOG_LEVEL: 'info', ...extraEnv },
      undefined,
      nodeArgs,
    );
    procs.push(p);
    return p;
  };
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const message = (recipient: string) => ({
    from: `bench@${DOMAIN}`,
    recipient,
    subject: 'Your code',
    text: 'Code: 123456',
  });
  const results: Record<string, unknown> = {
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      mongo: tools.mongo.kind,
    },
    quick: QUICK,
    started: started.toISOString(),
  };

  try {
    // 1. Accept path, against a bare Express 202 and a direct workflow.start loop.
    log('scenario 1: accept path');
    const acceptApi = await startApi('bench-accept');
    const barePort = await freePort();
    const bare = await startBareServer(barePort);
    procs.push(bare);
    const accept: Record<string, unknown>[] = [];
    for (const c of SIZES.concurrencies) {
      const run = (url: string) =>
        autocannon({
          url: `${url}/v1/messages`,
          connections: c,
          duration: SIZES.acceptSeconds,
          method: 'POST',
          headers: auth,
          body: JSON.stringify(message(`accept@${DOMAIN}`)),
        });
      const api = await run(acceptApi.url);
      const bareRun = await run(`http://127.0.0.1:${barePort}`);
      const start = await workflowStartLoop(client, c, SIZES.acceptSeconds * 1000);
      accept.push({
        concurrency: c,
        api: {
          rps: api.requests.average,
          p50: api.latency.p50,
          p99: api.latency.p99,
          max: api.latency.max,
          errors: api.errors + api.non2xx,
        },
        bare_express: { rps: bareRun.requests.average, p50: bareRun.latency.p50, p99: bareRun.latency.p99 },
        workflow_start: start,
      });
      log(
        `  c=${c}: api ${api.requests.average.toFixed(0)} req/s p99 ${api.latency.p99} ms; bare ${bareRun.requests.average.toFixed(0)}; workflow.start ${start.rps.toFixed(0)}/s`,
      );
    }
    results.accept = accept;
    await acceptApi.proc.stop();
    await bare.stop();

    // 2 + 5. End to end with one worker, and footprint.
    log(`scenario 2: end to end, ${SIZES.e2e} messages`);
    const before = await dbFootprint(mongo);
    const apiProfile = path.join(dir, 'api-mongo-profile.json');
    const workerProfile = path.join(dir, 'worker-mongo-profile.json');
    const e2eApi = await startApi('bench-e2e', { SENDFLOW_MONGO_PROFILE: apiProfile }, profileArgs('api'));
    const e2eWorker = await startWorker(
      'bench-e2e',
      { SENDFLOW_MONGO_PROFILE: workerProfile },
      profileArgs('worker'),
    );
    const cpu = cpuMeter({
      temporal: temporalProc.pid,
      mongo: mongoProc.pid,
      api: e2eApi.proc.child.pid,
      worker: e2eWorker.child.pid,
      bench: process.pid,
    });
    const e2e = await endToEnd(e2eApi.url, sink, SIZES.e2e, 'e2e', auth, message);
    results.cpu_per_message = cpu.perMessage(SIZES.e2e, e2e.seconds);
    const after = await dbFootprint(mongo);
    results.end_to_end = e2e;
    results.footprint = {
      api_peak_rss_mib: e2eApi.proc.peakRssMiB(),
      worker_peak_rss_mib: e2eWorker.peakRssMiB(),
      mongo_documents_per_message: round((after.objects - before.objects) / SIZES.e2e),
      mongo_bytes_per_message: Math.round((after.dataSize - before.dataSize) / SIZES.e2e),
      temporal_history_events_per_message: await historyLength(client, mongo),
    };
    // The profiles are written when the processes exit; fresh ones serve the next scenarios.
    await e2eApi.proc.stop();
    await e2eWorker.stop();
    results.mongo_commands_per_message = {
      api: commandsPerMessage(apiProfile, SIZES.e2e),
      worker: commandsPerMessage(workerProfile, SIZES.e2e),
    };
    const ceiling = await nodemailerCeiling(sink, SIZES.e2e);
    results.end_to_end_ceiling = ceiling;
    log('  ceiling: Temporal floor (one workflow + one activity per mail, no MongoDB)');
    const floorWorker = await startNode('floor', { ...baseEnv('bench-floor') });
    procs.push(floorWorker);
    results.temporal_floor = await temporalFloor(client, sink, SIZES.e2e, {
      temporal: temporalProc.pid,
      worker: floorWorker.child.pid,
    });
    await floorWorker.stop();
    log(
      `  ${e2e.messages_per_second} msg/s (ceiling ${ceiling.messages_per_second}), p50 ${e2e.latency.p50} ms, p99 ${e2e.latency.p99} ms, lost ${e2e.lost}, duplicated ${e2e.duplicated}`,
    );

    const api = await startApi('bench-e2e');
    await startWorker('bench-e2e');

    // 3. OTP latency at idle.
    log(`scenario 3: OTP latency, ${SIZES.otp} sequential sends`);
    const otp: number[] = [];
    // Where an OTP's time goes: POST answered, workflow past its checks (`accepted`), at the sink.
    const stages: { answered: number[]; accepted: number[]; sent: { id: string; t0: number }[] } = {
      answered: [],
      accepted: [],
      sent: [],
    };
    // The processes were just started: the first sends (JIT, connection pools) are not counted.
    for (let i = -OTP_WARMUP; i < SIZES.otp; i++) {
      const r = `otp${i}@${DOMAIN}`;
      const t0 = Date.now();
      const res = await fetch(`${api.url}/v1/messages`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify(message(r)),
      });
      const answered = Date.now() - t0;
      const { message_id } = (await res.json()) as { message_id: string };
      while (!sink.received.has(r)) await new Promise((res) => setTimeout(res, 2));
      if (i < 0) continue;
      otp.push((sink.received.get(r) as number[])[0] - t0);
      stages.answered.push(answered);
      stages.sent.push({ id: message_id, t0 });
    }
    const acceptedAt = new Map(
      (
        await mongo
          .db()
          .collection('events')
          .find({ message_id: { $in: stages.sent.map((s) => s.id) }, type: 'email.accepted' })
          .toArray()
      ).map((e) => [e.message_id as string, (e.created_at as Date).getTime()]),
    );
    for (const { id, t0 } of stages.sent) {
      const at = acceptedAt.get(id);
      if (at !== undefined) stages.accepted.push(at - t0);
    }
    results.otp = {
      ...summarize(otp),
      stages_p50_ms: { answered: summarize(stages.answered).p50, accepted: summarize(stages.accepted).p50 },
    };
    log(`  p50 ${summarize(otp).p50} ms, p99 ${summarize(otp).p99} ms`);

    // 4. Scale-out: a second worker, then a second API process.
    log(`scenario 4: scale-out, ${SIZES.scale} messages each`);
    const one = await endToEnd(api.url, sink, SIZES.scale, 's1', auth, message);
    await startWorker('bench-e2e');
    const twoWorkers = await endToEnd(api.url, sink, SIZES.scale, 's2', auth, message);
    const secondApi = await startApi('bench-e2e');
    const twoApis = await endToEnd([api.url, secondApi.url], sink, SIZES.scale, 's3', auth, message);
    results.scale_out = {
      one_worker_one_api: one.messages_per_second,
      two_workers_one_api: twoWorkers.messages_per_second,
      two_workers_two_apis: twoApis.messages_per_second,
      speedup_two_workers: round(twoWorkers.messages_per_second / one.messages_per_second),
    };
    log(
      `  1w ${one.messages_per_second} msg/s, 2w ${twoWorkers.messages_per_second}, 2w+2api ${twoApis.messages_per_second}`,
    );
  } finally {
    for (const p of procs) await p.stop();
    await sink.close();
    await connection.close();
    await mongo.close();
    await stopChild(temporalProc);
    await stopChild(mongoProc);
  }
  results.finished = new Date().toISOString();
  writeResults(results, started);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

async function workflowStartLoop(client: Client, concurrency: number, ms: number) {
  const latencies: number[] = [];
  const deadline = Date.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        await client.workflow.start('deliverMessage', {
          taskQueue: 'bench-ceiling',
          workflowId: `ceiling-${randomUUID()}`,
          args: [{ messageId: 'none', projectId: 'none', retryScheduleMs: [] }],
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rps: round(latencies.length / (ms / 1000)), ...summarize(latencies) };
}

/** Runs `job` for indexes 0..count-1, `lanes` at a time; each free lane takes the next index. */
async function inLanes(lanes: number, count: number, job: (i: number, lane: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (next < count) await job(next++, lane);
    }),
  );
}

/** Until the sink holds a mail for every recipient, or long past when it should have. */
async function waitForSink(sink: Sink, recipients: string[]): Promise<void> {
  const deadline = Date.now() + Math.max(120_000, recipients.length * 200);
  while (recipients.some((r) => !sink.received.has(r)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
}

async function endToEnd(
  apiUrls: string | string[],
  sink: Sink,
  count: number,
  tag: string,
  headers: Record<string, string>,
  message: (r: string) => Record<string, string>,
) {
  const urls = Array.isArray(apiUrls) ? apiUrls : [apiUrls];
  const posted = new Map<string, number>();
  const recipients = Array.from({ length: count }, (_, i) => `${tag}-${i}@${DOMAIN}`);
  const singles = recipients.slice(0, Math.floor(count / 2));
  const batched = recipients.slice(Math.floor(count / 2));
  const t0 = Date.now();
  const singleSends = inLanes(32, singles.length, async (i, lane) => {
    posted.set(singles[i], Date.now());
    await fetch(`${urls[lane % urls.length]}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify(message(singles[i])),
    });
  });
  const batchSends = (async () => {
    for (let i = 0; i < batched.length; i += 500) {
      const chunk = batched.slice(i, i + 500);
      const at = Date.now();
      for (const r of chunk) posted.set(r, at);
      await fetch(`${urls[(i / 500) % urls.length]}/v1/messages/batch`, {
        method: 'POST',
        headers,
        body: JSON.stringify(chunk.map(message)),
      });
    }
  })();
  await Promise.all([singleSends, batchSends]);
  await waitForSink(sink, recipients);
  await new Promise((r) => setTimeout(r, 1000));
  const arrivals = recipients.map((r) => sink.received.get(r) ?? []);
  const lost = arrivals.filter((a) => a.length === 0).length;
  const duplicated = arrivals.reduce((n, a) => n + Math.max(0, a.length - 1), 0);
  const last = Math.max(...arrivals.flat());
  const latencies = recipients
    .filter((r) => sink.received.has(r))
    .map((r) => (sink.received.get(r) as number[])[0] - (posted.get(r) as number));
  return {
    messages: count,
    seconds: round((last - t0) / 1000),
    messages_per_second: round((count - lost) / ((last - t0) / 1000)),
    latency: summarize(latencies),
    lost,
    duplicated,
  };
}

/** The floor ceiling: `count` floorSend workflows started 32 at a time, until the sink has every mail. */
async function temporalFloor(
  client: Client,
  sink: Sink,
  count: number,
  pids: Record<string, number | undefined>,
) {
  const recipients = Array.from({ length: count }, (_, i) => `floor-${i}@${DOMAIN}`);
  const cpu = cpuMeter(pids);
  const t0 = Date.now();
  await inLanes(32, count, (i) =>
    client.workflow.start('floorSend', {
      taskQueue: 'bench-floor',
      workflowId: `floor-${randomUUID()}`,
      args: [recipients[i]],
    }),
  );
  await waitForSink(sink, recipients);
  const seconds = (Date.now() - t0) / 1000;
  const delivered = recipients.filter((r) => sink.received.has(r)).length;
  return {
    messages_per_second: round(delivered / seconds),
    lost: count - delivered,
    cpu_per_message: cpu.perMessage(count, seconds),
  };
}

async function nodemailerCeiling(sink: Sink, count: number) {
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

type CpuPerMessage = Record<string, { cpu_ms: number; core_share: number }>;

/** The summary's conclusions, computed from this run's numbers. */
function findings(run: {
  e2e: { messages_per_second: number };
  floor: { messages_per_second: number; cpu_per_message: CpuPerMessage };
  cpu: CpuPerMessage;
  mongo: Record<string, { commands: number }>;
  historyEvents: number;
  cores: number;
}): string {
  const { e2e, floor, cpu, mongo, cores } = run;
  const busy = round(Object.values(cpu).reduce((n, v) => n + v.core_share, 0));
  const ms = (name: string) => cpu[name]?.cpu_ms ?? 0;
  const floorMs = (name: string) => floor.cpu_per_message[name]?.cpu_ms ?? 0;
  const total = round(Object.values(cpu).reduce((n, v) => n + v.cpu_ms, 0));
  return [
    `- **CPU is the limit.** During the end-to-end run the processes kept ${busy} of ${cores} cores busy; a delivered message costs ${total} ms of CPU in all (Temporal server ${ms('temporal')}, worker ${ms('worker')}, MongoDB-wire server ${ms('mongo')}, API ${ms('api')}). ${cores} cores / ${total} ms ≈ ${Math.round((cores * 1000) / total)} msg/s, which is what we measured (${e2e.messages_per_second}).`,
    `- **Durability has a floor, and it sits far below raw SMTP.** One Temporal workflow with one activity per mail and nothing else reaches ${floor.messages_per_second} msg/s here (Temporal server ${floorMs('temporal')} ms of CPU per workflow on the dev server's SQLite). Sendflow reaches ${Math.round((100 * e2e.messages_per_second) / floor.messages_per_second)} % of that floor; the nodemailer target is out of reach for any design that runs a workflow per message on this machine.`,
    `- **What Sendflow adds to the floor:** worker +${round(ms('worker') - floorMs('worker'))} ms per message (four local activities, three timeline events, webhook fan-out), Temporal +${round(ms('temporal') - floorMs('temporal'))} ms (${run.historyEvents} history events, status search attributes), ${mongo.api?.commands} + ${mongo.worker?.commands} MongoDB commands (API + worker) costing ${ms('mongo')} ms in the MongoDB-wire server.`,
    '- **Scale-out on one 2-core machine only moves CPU around:** a second worker competes with the Temporal server for the same cores. The 1.6× target needs the Temporal server (and MongoDB) on other cores or machines.',
    '- **Next levers**, largest first: run the Temporal server with a production persistence (PostgreSQL/Cassandra) on its own cores; fold the pre-send check and the `accepted` event into one local activity (fewer workflow activations: the TypeScript SDK spends most worker CPU entering the workflow sandbox, per its CPU profile); a real mongod instead of FerretDB; worker tuning only once cores are free.',
  ].join('\n');
}

function profileTable(profiles: Record<string, ReturnType<typeof commandsPerMessage>>): string {
  const lines = ['| process | command | per message | ms per message | avg ms |', '|---|---|---|---|---|'];
  for (const [proc, p] of Object.entries(profiles)) {
    lines.push(`| **${proc}** | **all** | **${p.commands}** | **${p.ms}** | |`);
    for (const r of p.top)
      lines.push(`| ${proc} | ${r.command} | ${r.per_message} | ${r.ms_per_message} | ${r.avg_ms} |`);
  }
  return lines.join('\n');
}

/** CPU used by each process from now on: where a message's time goes, and what is saturated. */
function cpuMeter(initial: Record<string, number | undefined>) {
  const start = new Map(
    Object.entries(initial).map(([name, pid]) => [name, { pid, cpu: cpuSecondsOf(pid) }] as const),
  );
  return {
    /** CPU ms per message and busy share of one core over the run, per process. */
    perMessage(messages: number, seconds: number) {
      return Object.fromEntries(
        [...start].map(([name, { pid, cpu }]) => {
          const used = cpuSecondsOf(pid) - cpu;
          return [name, { cpu_ms: round((1000 * used) / messages), core_share: round(used / seconds) }];
        }),
      );
    },
  };
}

/** Per-message MongoDB commands and milliseconds, heaviest first, from a process's profile. */
function commandsPerMessage(file: string, messages: number) {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as CommandStat[];
  return {
    commands: round(rows.reduce((n, r) => n + r.count, 0) / messages),
    ms: round(rows.reduce((n, r) => n + r.totalMs, 0) / messages),
    top: rows.slice(0, 8).map((r) => ({
      command: r.command,
      per_message: round(r.count / messages),
      ms_per_message: round(r.totalMs / messages),
      avg_ms: round(r.totalMs / r.count),
    })),
  };
}

async function dbFootprint(mongo: MongoClient): Promise<{ objects: number; dataSize: number }> {
  const s = await mongo.db().stats();
  return { objects: Number(s.objects ?? 0), dataSize: Number(s.dataSize ?? 0) };
}

async function historyLength(client: Client, mongo: MongoClient): Promise<number> {
  const m = await mongo.db().collection('messages').findOne({ status: 'delivered' });
  if (!m) return Number.NaN;
  const history = await client.workflow.getHandle(m.workflow_id as string).fetchHistory();
  return history.events?.length ?? Number.NaN;
}

function writeResults(results: Record<string, unknown>, started: Date): void {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const name = QUICK ? `quick-${stamp}` : stamp;
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const accept = results.accept as {
    concurrency: number;
    api: { rps: number; p99: number };
    bare_express: { rps: number };
    workflow_start: { rps: number };
  }[];
  const e2e = results.end_to_end as {
    messages_per_second: number;
    latency: { p50: number; p99: number };
    lost: number;
    duplicated: number;
  };
  const ceiling = results.end_to_end_ceiling as { messages_per_second: number };
  const floor = results.temporal_floor as {
    messages_per_second: number;
    lost: number;
    cpu_per_message: CpuPerMessage;
  };
  const cpu = results.cpu_per_message as CpuPerMessage;
  const cores = (results.machine as { cpus: number }).cpus;
  const otp = results.otp as {
    p50: number;
    p99: number;
    stages_p50_ms: { answered: number; accepted: number };
  };
  const scale = results.scale_out as Record<string, number>;
  const foot = results.footprint as Record<string, number>;
  const c64 = accept.find((a) => a.concurrency === 64);
  const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
  const md = `# Sendflow benchmark ${QUICK ? '(quick)' : ''} — ${started.toISOString()}

Machine: ${JSON.stringify(results.machine)}. Everything on loopback, one run, \`npm run bench${QUICK ? ' -- --quick' : ''}\`.

## Accept path (POST /v1/messages, ${SIZES.acceptSeconds} s per concurrency)

| concurrency | API req/s | API p50 / p99 / max ms | errors | bare Express req/s | workflow.start/s (p99 ms) |
|---|---|---|---|---|---|
${accept.map((a) => `| ${a.concurrency} | ${a.api.rps.toFixed(0)} | ${(a.api as never as { p50: number }).p50} / ${a.api.p99} / ${(a.api as never as { max: number }).max} | ${(a.api as never as { errors: number }).errors} | ${a.bare_express.rps.toFixed(0)} | ${a.workflow_start.rps.toFixed(0)} (${(a.workflow_start as never as { p99: number }).p99}) |`).join('\n')}

## End to end (${SIZES.e2e} messages, half single sends at concurrency 32, half in batches of 500)

| | msg/s | POST→sink p50 / p99 ms | lost | duplicated |
|---|---|---|---|---|
| Sendflow, 1 worker | ${e2e.messages_per_second} | ${e2e.latency.p50} / ${e2e.latency.p99} | ${e2e.lost} | ${e2e.duplicated} |
| ceiling: pooled nodemailer → sink | ${ceiling.messages_per_second} | – | – | – |
| floor: one Temporal workflow + activity per mail, no MongoDB | ${floor.messages_per_second} | – | ${floor.lost} | – |

OTP latency (${SIZES.otp} sequential sends at idle, after ${OTP_WARMUP} uncounted warm-up sends): p50 ${otp.p50} ms, p99 ${otp.p99} ms. Median stages after the POST: answered ${otp.stages_p50_ms.answered} ms, workflow past its checks (\`accepted\` event time) ${otp.stages_p50_ms.accepted} ms, mail at the sink ${otp.p50} ms.

Scale-out (${SIZES.scale} messages): 1 worker ${scale.one_worker_one_api} msg/s · 2 workers ${scale.two_workers_one_api} msg/s (×${scale.speedup_two_workers}) · 2 workers + 2 APIs ${scale.two_workers_two_apis} msg/s.

Footprint during the end-to-end run: API peak RSS ${foot.api_peak_rss_mib} MiB, worker peak RSS ${foot.worker_peak_rss_mib} MiB, ${foot.mongo_documents_per_message} MongoDB documents and ${foot.mongo_bytes_per_message} bytes per message, ${foot.temporal_history_events_per_message} Temporal history events per delivered message.

## Where a message's time goes (end-to-end run)

CPU per message and busy share of one core (${cores} cores in all) during the run:

| process | CPU ms per message | share of a core | Temporal floor, CPU ms per message |
|---|---|---|---|
${Object.entries(cpu)
  .map(
    ([name, v]) =>
      `| ${name} | ${v.cpu_ms} | ${v.core_share} | ${floor.cpu_per_message[name]?.cpu_ms ?? '–'} |`,
  )
  .join('\n')}

## Where a message's MongoDB time goes (end-to-end run, per message)

${profileTable(results.mongo_commands_per_message as Record<string, ReturnType<typeof commandsPerMessage>>)}

## Targets

| target | measured | |
|---|---|---|
| accept p99 ≤ 50 ms at c=64 | ${c64?.api.p99} ms | ${verdict((c64?.api.p99 ?? Infinity) <= 50)} |
| accept ≥ 50 % of workflow.start at c=64 | ${c64 ? Math.round((100 * c64.api.rps) / c64.workflow_start.rps) : '?'} % | ${verdict(!!c64 && c64.api.rps >= 0.5 * c64.workflow_start.rps)} |
| end to end ≥ 25 % of nodemailer | ${Math.round((100 * e2e.messages_per_second) / ceiling.messages_per_second)} % | ${verdict(e2e.messages_per_second >= 0.25 * ceiling.messages_per_second)} |
| zero lost or duplicated | ${e2e.lost} lost, ${e2e.duplicated} duplicated | ${verdict(e2e.lost === 0 && e2e.duplicated === 0)} |
| OTP p50 ≤ 100 ms, p99 ≤ 250 ms | ${otp.p50} / ${otp.p99} ms | ${verdict(otp.p50 <= 100 && otp.p99 <= 250)} |
| 2 workers ≥ 1.6× one | ×${scale.speedup_two_workers} | ${verdict(scale.speedup_two_workers >= 1.6)} |

## Findings

${findings({
  e2e,
  floor,
  cpu,
  mongo: results.mongo_commands_per_message as Record<string, { commands: number }>,
  historyEvents: foot.temporal_history_events_per_message,
  cores,
})}

![chart](${name}.svg)
`;
  writeFileSync(path.join(dir, `${name}.md`), md);
  writeFileSync(
    path.join(dir, `${name}.svg`),
    barChartSvg('Sendflow vs ceilings (same machine, same run)', '/s', [
      ...accept.map((a) => ({
        label: `accept c=${a.concurrency} (vs workflow.start)`,
        value: a.api.rps,
        ceiling: a.workflow_start.rps,
      })),
      {
        label: 'end to end msg/s (vs Temporal floor)',
        value: e2e.messages_per_second,
        ceiling: floor.messages_per_second,
      },
      {
        label: 'end to end msg/s (vs nodemailer)',
        value: e2e.messages_per_second,
        ceiling: ceiling.messages_per_second,
      },
      {
        label: '2 workers msg/s (vs 1 worker)',
        value: scale.two_workers_one_api,
        ceiling: scale.one_worker_one_api,
      },
    ]),
  );
  log(`results: bench/results/${name}.{json,md,svg}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
