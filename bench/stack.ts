import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { type LocalDns, startLocalDns } from '../devtools/dnsServer';
import {
  freePort,
  mongoSpec,
  provisionTools,
  startService,
  stopChild,
  temporalDevServerSpec,
} from '../devtools/localServices';
import { type SmtpSink, startSmtpSink } from '../devtools/smtpSink';
import type { Message } from './measure';
import { CPU_PROF, DOMAIN, KEY, log } from './options';
import { type Proc, ROOT, startNode } from './processes';

/** The servers every scenario shares, and starters for API, worker and floor processes. */
export interface BenchStack {
  started: Date;
  /** Scratch folder for logs and MongoDB profiles of this run. */
  dir: string;
  mongoKind: string;
  client: Client;
  mongo: MongoClient;
  /** URI of another database on the benchmark's MongoDB-wire server. */
  mongoUri(database: string): string;
  sink: SmtpSink;
  /** Answers MX for the benchmark's recipient domain with the sink's address, for direct delivery. */
  dns: LocalDns;
  /** Worker environment that delivers directly (an `mx` default route) to the sink. */
  directDeliveryEnv: Record<string, string>;
  temporalProc: ChildProcess;
  mongoProc: ChildProcess;
  /** Authorization and content type of the benchmark's admin key. */
  auth: Record<string, string>;
  message: Message;
  /** Extra node arguments that write CPU profiles, when --cpu-prof is given. */
  profileArgs(name: string): string[];
  startApi(
    queue: string,
    extraEnv?: Record<string, string>,
    nodeArgs?: string[],
  ): Promise<{ url: string; proc: Proc }>;
  startWorker(queue: string, extraEnv?: Record<string, string>, nodeArgs?: string[]): Promise<Proc>;
  /** The SMTP relay on a free port (STARTTLS with its self-signed certificate). */
  startRelay(queue: string): Promise<{ port: number; proc: Proc }>;
  startFloorWorker(queue: string): Promise<Proc>;
  close(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
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
  // Counting arrivals is all the benchmark needs; parsing every mail would cost the sink CPU.
  const sink = await startSmtpSink({ record: false });
  const dns = await startLocalDns();
  dns.setMx(DOMAIN, [{ exchange: `mx.${DOMAIN}`, priority: 10 }]);
  dns.setA(`mx.${DOMAIN}`, ['127.0.0.1']);
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
    // The benchmark's relays (sinks) run on loopback: as an operator, it allows routes there.
    SENDFLOW_ROUTES_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'warn',
    // Several workers at once: none binds the metrics port.
    SENDFLOW_METRICS_ADDRESS: 'off',
  });
  const track = (p: Proc) => {
    procs.push(p);
    return p;
  };
  return {
    started,
    dir,
    mongoKind: tools.mongo.kind,
    client,
    mongo,
    mongoUri: (database) => `mongodb://127.0.0.1:${mPort}/${database}`,
    sink,
    dns,
    directDeliveryEnv: {
      SENDFLOW_DEFAULT_ROUTE: 'mx',
      SENDFLOW_MX_PORT: String(sink.port),
      SENDFLOW_DNS_SERVERS: dns.server,
    },
    temporalProc,
    mongoProc,
    auth: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    message: (recipient) => ({
      from: `bench@${DOMAIN}`,
      recipient,
      subject: 'Your code',
      text: 'Code: 123456',
    }),
    // One directory per process: worker threads (workflow sandboxes) write their own profiles.
    profileArgs: (name) =>
      CPU_PROF
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${path.join(ROOT, 'bench', 'results', 'profiles', `${name}-${started.getTime()}`)}`,
          ]
        : [],
    async startApi(queue, extraEnv = {}, nodeArgs = []) {
      const port = await freePort();
      const p = track(
        await startNode('api', { ...baseEnv(queue), PORT: String(port), ...extraEnv }, port, nodeArgs),
      );
      // The bootstrap key has the default 1000/min limit; the benchmark must not measure 429s.
      await mongo
        .db()
        .collection('api_keys')
        .updateOne({ _id: 'key_bootstrap' as never }, { $set: { rate_limit_per_minute: 10_000_000 } });
      return { url: `http://127.0.0.1:${port}`, proc: p };
    },
    async startWorker(queue, extraEnv = {}, nodeArgs = []) {
      return track(
        await startNode('worker', { ...baseEnv(queue), LOG_LEVEL: 'info', ...extraEnv }, undefined, nodeArgs),
      );
    },
    async startRelay(queue) {
      const port = await freePort();
      return {
        port,
        proc: track(await startNode('relay', { ...baseEnv(queue), SMTP_RELAY_PORT: String(port) }, port)),
      };
    },
    async startFloorWorker(queue) {
      return track(await startNode('floor', baseEnv(queue)));
    },
    async close() {
      for (const p of procs) await p.stop();
      await sink.close();
      await dns.close();
      await connection.close();
      await mongo.close();
      await stopChild(temporalProc);
      await stopChild(mongoProc);
      // The volume scenario's database is gigabytes; the logs beside it stay for a post-mortem.
      rmSync(path.join(dir, 'mongo'), { recursive: true, force: true });
    },
  };
}
