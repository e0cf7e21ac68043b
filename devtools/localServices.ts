import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ALL_SEARCH_ATTRIBUTES } from '../src/contracts/searchAttributes';

// devtools/ from source (tests), dist/devtools/ once compiled.
export const PROJECT_ROOT = path.resolve(
  __dirname,
  '..',
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '',
);

export interface ProvisionedTools {
  temporalCli: string;
  temporalTestServer: string;
  mongo: { kind: 'mongod' | 'ferretdb'; bin: string };
  /** redis-server, for the benchmark's BullMQ peer only (`provision.sh redis`). */
  redis: string;
  /** schemathesis's `st`, for the API conformance test (`provision.sh schemathesis`). */
  schemathesis: string;
  /** Debian's Chromium, for the console's browser tests (`provision.sh chromium`). */
  chromium: string;
}

/** Runs scripts/provision.sh (cached, idempotent) and returns the binaries it found or built. */
export function provisionTools(
  what: 'all' | 'temporal' | 'mongo' | 'test-server' | 'redis' | 'schemathesis' | 'chromium' = 'all',
): Partial<ProvisionedTools> {
  const out = execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'provision.sh'), what], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const vars = Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const result: Partial<ProvisionedTools> = {};
  if (vars.TEMPORAL_CLI) result.temporalCli = vars.TEMPORAL_CLI;
  if (vars.TEMPORAL_TEST_SERVER) result.temporalTestServer = vars.TEMPORAL_TEST_SERVER;
  if (vars.REDIS_SERVER) result.redis = vars.REDIS_SERVER;
  if (vars.SCHEMATHESIS) result.schemathesis = vars.SCHEMATHESIS;
  if (vars.CHROMIUM) result.chromium = vars.CHROMIUM;
  if (vars.MONGO_SERVER) {
    const [kind, ...rest] = vars.MONGO_SERVER.split(':');
    result.mongo = { kind: kind as 'mongod' | 'ferretdb', bin: rest.join(':') };
  }
  return result;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(
  port: number,
  what: string,
  timeoutMs = 60_000,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode} before listening`);
    if (await isPortOpen(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

async function stillRunningAfter(child: ChildProcess, what: string, ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
}

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  /** Port that accepts connections once the service is ready; none for the worker. */
  port?: number;
  logFile: string;
  env?: Record<string, string>;
}

export function temporalDevServerSpec(opts: {
  cli: string;
  port: number;
  uiPort?: number;
  uiCodecEndpoint?: string;
  dbFile?: string;
  logFile: string;
}): ServiceSpec {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--log-level',
    'warn',
  ];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  if (opts.uiPort && opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  return { name: 'temporal', command: opts.cli, args, port: opts.port, logFile: opts.logFile };
}

export function mongoSpec(opts: {
  mongo: ProvisionedTools['mongo'];
  port: number;
  dataDir: string;
  logFile: string;
}): ServiceSpec {
  // Databases hold keys, secrets and mail: nobody but their owner reads them.
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.dataDir, 0o700);
  if (opts.mongo.kind === 'mongod') {
    return {
      name: 'mongod',
      command: opts.mongo.bin,
      args: ['--bind_ip', '127.0.0.1', '--port', String(opts.port), '--dbpath', opts.dataDir, '--quiet'],
      port: opts.port,
      logFile: opts.logFile,
    };
  }
  return {
    name: 'ferretdb',
    command: opts.mongo.bin,
    args: [
      '--handler=sqlite',
      // WAL without an fsync per commit: survives process crashes, ~10x the write rate.
      `--sqlite-url=file:${opts.dataDir}/?_pragma=synchronous(NORMAL)`,
      `--listen-addr=127.0.0.1:${opts.port}`,
      '--debug-addr=127.0.0.1:0',
      '--telemetry=disable',
      '--log-level=warn',
      `--state-dir=${opts.dataDir}`,
    ],
    port: opts.port,
    logFile: opts.logFile,
  };
}

/** Starts a service with its output in a log file and resolves once its port accepts connections. */
export async function startService(
  spec: ServiceSpec,
  opts: { detached?: boolean } = {},
): Promise<ChildProcess> {
  mkdirSync(path.dirname(spec.logFile), { recursive: true, mode: 0o700 });
  const log = openSync(spec.logFile, 'a', 0o600);
  // umask 077: every file the service creates (database files, WAL, state) is its owner's only.
  const child = spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', spec.command, ...spec.args], {
    stdio: ['ignore', log, log],
    detached: opts.detached ?? false,
    env: { ...process.env, ...spec.env },
  });
  closeSync(log);
  try {
    if (spec.port !== undefined) await waitForPort(spec.port, spec.name, 90_000, child);
    else await stillRunningAfter(child, spec.name, 3000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; see ${spec.logFile}`);
  }
  return child;
}

export async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
