import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { selfSignedPair } from '../src/relay/relayTls';
import {
  isPortOpen,
  mongoSpec,
  PROJECT_ROOT,
  provisionTools,
  type ServiceSpec,
  startService,
  temporalDevServerSpec,
} from './localServices';

// The local development stack: every process detached, its pid and log under .run/.
const RUN = path.join(PROJECT_ROOT, '.run');
const LOGS = path.join(RUN, 'logs');
const PIDS = path.join(RUN, 'pids');
const env = process.env;
const ports = {
  temporal: Number(env.TEMPORAL_PORT ?? 7233),
  temporalUi: Number(env.TEMPORAL_UI_PORT ?? 8233),
  mongo: Number(env.MONGO_PORT ?? 27017),
  catcherSmtp: Number(env.CATCHER_SMTP_PORT ?? 1025),
  catcherHttp: Number(env.CATCHER_HTTP_PORT ?? 8025),
  api: Number(env.PORT ?? 3000),
  relay: Number(env.SMTP_RELAY_PORT ?? 2587),
};
const ORDER = ['temporal', 'mongo', 'mailcatcher', 'worker', 'inbound', 'relay', 'api'] as const;
type Name = (typeof ORDER)[number];

const say = (msg: string) => console.log(`[stack] ${msg}`);
const pidFile = (name: Name) => path.join(PIDS, `${name}.pid`);

function runningPid(name: Name): number | null {
  if (!existsSync(pidFile(name))) return null;
  const pid = Number(readFileSync(pidFile(name), 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function ensure(name: Name, spec: () => ServiceSpec): Promise<void> {
  const pid = runningPid(name);
  if (pid) {
    say(`${name} already running (pid ${pid})`);
    return;
  }
  const s = spec();
  if (s.port !== undefined && (await isPortOpen(s.port))) {
    say(`${name}: port ${s.port} is already in use by another process; using it as is`);
    return;
  }
  say(
    `starting ${name}${s.port ? ` on 127.0.0.1:${s.port}` : ''} (log: ${path.relative(PROJECT_ROOT, s.logFile)})`,
  );
  const child = await startService(s, { detached: true });
  child.unref();
  writeFileSync(pidFile(name), String(child.pid));
}

/** The key the README's commands read from .run/bootstrap-key: the one in force, always. */
function bootstrapKey(): string {
  const file = path.join(RUN, 'bootstrap-key');
  if (env.SENDFLOW_BOOTSTRAP_KEY) writeFileSync(file, env.SENDFLOW_BOOTSTRAP_KEY, { mode: 0o600 });
  else if (!existsSync(file))
    writeFileSync(file, `sf_dev_${randomBytes(18).toString('base64url')}`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** The dev relay's self-signed pair, made once and kept in .run/relay-tls so clients can pin it. */
async function devRelayCertificateFiles(): Promise<{ cert: string; key: string }> {
  const dir = path.join(RUN, 'relay-tls');
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  if (!existsSync(files.cert) || !existsSync(files.key)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pair = await selfSignedPair('localhost');
    writeFileSync(files.key, pair.key, { mode: 0o600 });
    writeFileSync(files.cert, pair.cert);
  }
  return files;
}

/** example.com stays verified on the dev stack, so the README's examples work next to your own domains. */
function devVerifiedDomains(): string {
  const own = (env.SENDFLOW_VERIFIED_DOMAINS ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  return [...new Set(['example.com', ...own])].join(',');
}

function node(
  script: string,
  port: number | undefined,
  log: string,
  extraEnv: Record<string, string>,
): ServiceSpec {
  return {
    name: script,
    command: process.execPath,
    args: [path.join(PROJECT_ROOT, 'dist', ...script.split('/'))],
    port,
    logFile: path.join(LOGS, log),
    env: extraEnv,
  };
}

async function up(): Promise<void> {
  mkdirSync(PIDS, { recursive: true, mode: 0o700 });
  chmodSync(RUN, 0o700);
  const tools = provisionTools('all');
  if (!tools.temporalCli || !tools.mongo) throw new Error('provisioning did not yield Temporal and MongoDB');
  const { temporalCli, mongo } = tools;
  await ensure('temporal', () =>
    temporalDevServerSpec({
      cli: temporalCli,
      port: ports.temporal,
      uiPort: ports.temporalUi,
      // The UI decodes encrypted payloads through the API's codec endpoint (README "Data protection").
      uiCodecEndpoint: `http://127.0.0.1:${ports.api}/codec`,
      dbFile: path.join(RUN, 'temporal.db'),
      logFile: path.join(LOGS, 'temporal.log'),
    }),
  );
  await ensure('mongo', () =>
    mongoSpec({
      mongo,
      port: ports.mongo,
      dataDir: path.join(RUN, 'mongo'),
      logFile: path.join(LOGS, 'mongo.log'),
    }),
  );
  const key = bootstrapKey();
  const appEnv: Record<string, string> = {
    MONGODB_URI: env.MONGODB_URI ?? `mongodb://127.0.0.1:${ports.mongo}/sendflow`,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${ports.temporal}`,
    SMTP_URL: env.SMTP_URL ?? `smtp://127.0.0.1:${ports.catcherSmtp}`,
    SENDFLOW_BOOTSTRAP_KEY: key,
    SENDFLOW_VERIFIED_DOMAINS: devVerifiedDomains(),
    // The dev stack's webhook receivers usually run on this machine.
    SENDFLOW_WEBHOOK_ALLOW_PRIVATE: env.SENDFLOW_WEBHOOK_ALLOW_PRIVATE ?? 'true',
    // ... and so do the relays a developer routes to.
    SENDFLOW_ROUTES_ALLOW_PRIVATE: env.SENDFLOW_ROUTES_ALLOW_PRIVATE ?? 'true',
    PORT: String(ports.api),
    // The console links each message's workflow in this stack's Temporal UI.
    SENDFLOW_TEMPORAL_UI_URL: env.SENDFLOW_TEMPORAL_UI_URL ?? `http://127.0.0.1:${ports.temporalUi}`,
    CATCHER_SMTP_PORT: String(ports.catcherSmtp),
    CATCHER_HTTP_PORT: String(ports.catcherHttp),
  };
  await ensure('mailcatcher', () =>
    node('devtools/mailCatcherMain.js', ports.catcherHttp, 'mailcatcher.log', appEnv),
  );
  await ensure('worker', () => node('src/worker/main.js', undefined, 'worker.log', appEnv));
  // Bounce and complaint reports come back only to VERP return paths on a bounce domain.
  if (env.SENDFLOW_BOUNCE_DOMAIN) {
    const inboundPort = Number(env.SENDFLOW_INBOUND_PORT ?? 2525);
    await ensure('inbound', () => node('src/inbound/main.js', inboundPort, 'inbound.log', appEnv));
  }
  const relayTls = await devRelayCertificateFiles();
  await ensure('relay', () =>
    node('src/relay/main.js', ports.relay, 'relay.log', {
      ...appEnv,
      SMTP_RELAY_PORT: String(ports.relay),
      SMTP_RELAY_TLS_CERT: env.SMTP_RELAY_TLS_CERT ?? relayTls.cert,
      SMTP_RELAY_TLS_KEY: env.SMTP_RELAY_TLS_KEY ?? relayTls.key,
    }),
  );
  await ensure('api', () => node('src/api/main.js', ports.api, 'api.log', appEnv));

  const ready = await fetch(`http://127.0.0.1:${ports.api}/readyz`).then((r) => r.json());
  say(`readiness: ${JSON.stringify(ready)}`);
  console.log(`
Sendflow is up.
  Console          http://127.0.0.1:${ports.api}/console   (sign in with the bootstrap key)
  API              http://127.0.0.1:${ports.api}   (GET /readyz, POST /v1/messages)
  Temporal UI      http://127.0.0.1:${ports.temporalUi}
  Mail catcher     http://127.0.0.1:${ports.catcherHttp}   (SMTP 127.0.0.1:${ports.catcherSmtp})
  SMTP relay       127.0.0.1:${ports.relay}   (STARTTLS, self-signed; user: anything, password: an API key)
  Bootstrap key    ${key}
  Verified sender domains: ${appEnv.SENDFLOW_VERIFIED_DOMAINS}
  Logs             .run/logs/     Stop: ./sendflow down
`);
}

async function down(): Promise<void> {
  for (const name of [...ORDER].reverse()) {
    const pid = runningPid(name);
    if (!pid) continue;
    say(`stopping ${name} (pid ${pid})`);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && runningPid(name); i++) await new Promise((r) => setTimeout(r, 100));
    if (runningPid(name)) process.kill(pid, 'SIGKILL');
    rmSync(pidFile(name), { force: true });
  }
  say('stopped');
}

function status(): void {
  for (const name of ORDER) {
    const pid = runningPid(name);
    console.log(`${name.padEnd(12)} ${pid ? `running (pid ${pid})` : 'stopped'}`);
  }
}

const command = process.argv[2];
const actions: Record<string, () => Promise<void> | void> = { up, down, status };
if (!command || !actions[command]) {
  console.error('usage: stackMain.js up|down|status');
  process.exit(2);
}
Promise.resolve(actions[command]()).catch((err) => {
  console.error(`[stack] ERROR: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
