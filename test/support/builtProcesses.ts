import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../devtools/localServices';
import type { TestStack } from './testStack';

const DIST = path.join(__dirname, '..', '..', 'dist', 'src');

/**
 * The environment of an API or worker process on a test stack's servers, database and task
 * queue. No process binds the metrics port: several run at once on one machine.
 */
export function stackProcessEnv(
  stack: Pick<TestStack, 'config'>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MONGODB_URI: stack.config.MONGODB_URI,
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
    SMTP_URL: stack.config.SMTP_URL,
    SENDFLOW_VERIFIED_DOMAINS: 'acme.test:*',
    SENDFLOW_METRICS_ADDRESS: 'off',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** A compiled entry point (`api/main.js`, `worker/main.js`) as its own process. */
export function spawnBuilt(
  entry: string,
  env: NodeJS.ProcessEnv,
  output: 'inherit' | 'pipe' = 'inherit',
): ChildProcess {
  return spawn(process.execPath, [path.join(DIST, entry)], {
    env,
    stdio: ['ignore', output === 'pipe' ? 'pipe' : 'ignore', output],
  });
}

/** The API as its own process on a free port; resolves once it answers /healthz. */
export async function startApiProcess(
  env: NodeJS.ProcessEnv,
  output: 'inherit' | 'pipe' = 'inherit',
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawnBuilt('api/main.js', { ...env, PORT: String(port) }, output);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API process did not come up');
}
