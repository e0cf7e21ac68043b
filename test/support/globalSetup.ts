import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import {
  freePort,
  mongoSpec,
  PROJECT_ROOT,
  provisionTools,
  startService,
  temporalDevServerSpec,
} from '../../devtools/localServices';
import { type SharedServices, STACK_ENV } from './stackInfo';

declare global {
  var __sendflowChildren: ChildProcess[] | undefined;
}

/** Starts one Temporal dev server and one MongoDB-wire server for the whole test run. */
export default async function globalSetup(): Promise<void> {
  const tools = provisionTools('all');
  if (!tools.temporalCli || !tools.mongo) throw new Error('provisioning did not yield Temporal and MongoDB');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sendflow-test-'));
  const logDir = path.join(PROJECT_ROOT, '.run', 'test-logs');
  const [temporalPort, mongoPort] = [await freePort(), await freePort()];
  const [temporal, mongo, bundle] = await Promise.all([
    startService(
      temporalDevServerSpec({
        cli: tools.temporalCli,
        port: temporalPort,
        logFile: path.join(logDir, 'temporal.log'),
      }),
    ),
    startService(
      mongoSpec({
        mongo: tools.mongo,
        port: mongoPort,
        dataDir: path.join(dir, 'mongo'),
        logFile: path.join(logDir, 'mongo.log'),
      }),
    ),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      logger: quietLogger,
    }),
  ]);
  globalThis.__sendflowChildren = [temporal, mongo];
  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  const services: SharedServices = {
    temporalAddress: `127.0.0.1:${temporalPort}`,
    mongoBaseUri: `mongodb://127.0.0.1:${mongoPort}`,
    mongoDataDir: path.join(dir, 'mongo'),
    mongoKind: tools.mongo.kind,
    workflowBundlePath,
    temporalTestServer: tools.temporalTestServer,
    temporalCli: tools.temporalCli,
  };
  process.env[STACK_ENV] = JSON.stringify(services);
}

const quietLogger = {
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
  log() {},
};
