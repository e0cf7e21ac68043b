import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import {
  freePort,
  mongoSpec,
  PROJECT_ROOT,
  provisionTools,
  type ServiceSpec,
  startService,
  stopChild,
} from '../../devtools/localServices';
import { createLogger } from '../../src/logger';
import { type RelayServer, startRelayServer } from '../../src/relay/relayServer';
import { selfSignedPair } from '../../src/relay/relayTls';
import { startTestStack, type TestStack } from '../support/testStack';

// This file runs on a MongoDB-wire server of its own: it stops and restarts it.
let dataDir: string;
let spec: ServiceSpec;
let mongo: ChildProcess;
let stack: TestStack;
let relay: RelayServer;

beforeAll(async () => {
  const tools = provisionTools('mongo');
  if (!tools.mongo) throw new Error('provisioning did not yield a MongoDB-wire server');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sendflow-outage-'));
  const port = await freePort();
  spec = mongoSpec({
    mongo: tools.mongo,
    port,
    dataDir,
    logFile: path.join(PROJECT_ROOT, '.run', 'test-logs', 'outage-mongo.log'),
  });
  mongo = await startService(spec);
  stack = await startTestStack({ MONGODB_URI: `mongodb://127.0.0.1:${port}/sendflow_outage` });
  relay = await startRelayServer(
    {
      ...stack.acceptanceDeps,
      logger: createLogger('silent', 'test-relay'),
      tls: { ...(await selfSignedPair('relay.acme.test')), selfSigned: true },
    },
    { port: 0, host: '127.0.0.1' },
  );
});

afterAll(async () => {
  await relay?.close();
  await stack?.close();
  if (mongo) await stopChild(mongo);
  rmSync(dataDir, { recursive: true, force: true });
});

it('answers 451 while MongoDB is down, and the retry after its restart is delivered exactly once', async () => {
  const key = await stack.createKey(['send']);
  // A long-lived connection, as legacy applications keep: authenticated before the outage.
  const client = nodemailer.createTransport({
    host: '127.0.0.1',
    port: relay.port,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'erp', pass: key },
    pool: true,
    maxConnections: 1,
  });
  const warmUp = await client.sendMail({
    from: 'erp@acme.test',
    to: 'warm@example.test',
    subject: 'w',
    text: 'w',
  });
  await stack.waitForStatus(warmUp.response.match(/msg_\S+/)?.[0] as string, ['delivered']);

  const invoice = {
    from: 'erp@acme.test',
    to: 'accounts@example.test',
    subject: 'Invoice 2026-118',
    text: 'Due in 30 days.',
    messageId: '<invoice-2026-118@acme.test>',
  };
  await stopChild(mongo);
  let refusal: (Error & { responseCode?: number }) | undefined;
  try {
    await client.sendMail(invoice);
  } catch (err) {
    refusal = err as Error & { responseCode?: number };
  }
  expect(refusal?.responseCode).toBe(451);

  mongo = await startService(spec);
  const retried = await client.sendMail(invoice);
  const id = retried.response.match(/msg_\S+/)?.[0] as string;
  await stack.waitForStatus(id, ['delivered'], 60_000);
  await new Promise((r) => setTimeout(r, 1000));
  expect(stack.sink.received.filter((m) => m.envelopeTo.includes('accounts@example.test'))).toHaveLength(1);
  expect(
    await stack.database.collections.messages.countDocuments({ recipient: 'accounts@example.test' }),
  ).toBe(1);
  client.close();
});
