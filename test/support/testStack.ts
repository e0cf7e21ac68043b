import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal as temporalProto } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { type LocalDns, startLocalDns } from '../../devtools/dnsServer';
import { type SmtpSink, startSmtpSink } from '../../devtools/smtpSink';
import { createApiKey, ensureProject } from '../../src/accounts/apiKeys';
import { createApp } from '../../src/api/app';
import { type Config, loadConfig } from '../../src/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/contracts/searchAttributes';
import { keyringFromConfig } from '../../src/crypto/keyring';
import type { Scope } from '../../src/db/documents';
import { newId } from '../../src/db/ids';
import { connectDatabase, type Database } from '../../src/db/mongo';
import { createTransportProvider } from '../../src/delivery/smtpTransport';
import { createLogger } from '../../src/logger';
import type { AcceptanceDeps } from '../../src/messages/messageAcceptance';
import { createMetrics, type Metrics } from '../../src/observability/metrics';
import { createDnsResolver } from '../../src/senderDomains/dnsResolver';
import { temporalDataConverter } from '../../src/temporal/encryptionCodec';
import { messageWorkflowsFromConfig } from '../../src/temporal/messageWorkflows';
import { createOperationWorkflows } from '../../src/temporal/operationWorkflows';
import { createWebhookWorkflows } from '../../src/temporal/webhookWorkflows';
import { createWorkers, runWorkers } from '../../src/worker/createWorker';
import { sharedServices } from './stackInfo';

export interface TestStack {
  baseUrl: string;
  config: Config;
  database: Database;
  temporal: Client;
  sink: SmtpSink;
  dns: LocalDns;
  projectId: string;
  /** What the message service needs, for front doors a test starts itself (the SMTP relay). */
  acceptanceDeps: AcceptanceDeps;
  /** The registry behind this stack's /metrics. */
  metrics: Metrics;
  /** Admin key of this stack's own project. */
  apiKey: string;
  createKey(scopes: Scope[], extra?: { domains?: string[]; testMode?: boolean }): Promise<string>;
  /** fetch against the API with this stack's key unless the caller gives another. */
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; key?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Another set of tier workers (own activity slots) on the same task queues. */
  startExtraWorkers(): Promise<Worker[]>;
  /** Another API instance (own middleware and memory) on the same database and Temporal. */
  startExtraApi(): Promise<string>;
  waitForStatus(messageId: string, statuses: string[], timeoutMs?: number): Promise<Record<string, unknown>>;
  /** POST /v1/messages (which must answer 202) and the handle of the message's workflow. */
  sendMessage(body: Record<string, unknown>): Promise<{ messageId: string; handle: WorkflowHandle }>;
  close(): Promise<void>;
}

/**
 * API, worker, SMTP sink, database and project of one test file, on the shared Temporal and
 * MongoDB servers. Its own task queue and database keep test files independent.
 */
let runtimeInstalled = false;

export interface TestStackOptions {
  /** Run on Temporal's time-skipping test server instead of the shared dev server. */
  timeSkipping?: boolean;
  /** Start no workers: messages queue up until the test calls startExtraWorkers(). */
  noWorkers?: boolean;
  /** Leave the database in place at close, for a stack the test starts next on it. */
  keepDatabase?: boolean;
}

export async function startTestStack(
  env: Record<string, string> = {},
  options: TestStackOptions = {},
): Promise<TestStack> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const services = sharedServices();
  const sink = await startSmtpSink();
  const dns = await startLocalDns();
  const suffix = newId('t', 10).slice(2);
  const config = loadConfig({
    MONGODB_URI: `${services.mongoBaseUri}/sendflow_test_${suffix}`,
    TEMPORAL_ADDRESS: services.temporalAddress,
    TEMPORAL_TASK_QUEUE: `sendflow-test-${suffix}`,
    SMTP_URL: sink.url,
    // Every project of the test database: files make projects of their own besides this one.
    SENDFLOW_VERIFIED_DOMAINS: 'acme.test:*',
    SENDFLOW_DNS_SERVERS: dns.server,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const database = await connectDatabase(config.MONGODB_URI, { keyring: keyringFromConfig(config) });
  let testEnv: TestWorkflowEnvironment | undefined;
  let connection: Connection;
  let temporal: Client;
  let nativeConnection: NativeConnection;
  if (options.timeSkipping) {
    if (!services.temporalTestServer) throw new Error('the time-skipping test server was not provisioned');
    testEnv = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: services.temporalTestServer } },
    });
    // The test server knows no custom search attributes until they are registered.
    await testEnv.connection.operatorService.addSearchAttributes({
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: Object.fromEntries(
        ALL_SEARCH_ATTRIBUTES.map((k) => [
          k.name,
          temporalProto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        ]),
      ),
    });
    temporal = testEnv.client as unknown as Client;
    connection = testEnv.connection;
    nativeConnection = testEnv.nativeConnection;
  } else {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const dataConverter = temporalDataConverter(keyringFromConfig(config));
    temporal = new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      ...(dataConverter ? { dataConverter } : {}),
    });
    nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  }
  const transports = createTransportProvider();
  // One registry for the stack's API and workers (one process here): /metrics shows both.
  const metrics = createMetrics({ domains: config.SENDFLOW_METRICS_DOMAINS, process: 'test' });
  const runningWorkers: { workers: Worker[]; run: Promise<void>; connection?: NativeConnection }[] = [];
  const startWorkers = async () => {
    // A second set of workers is a second client of Temporal, as another process would be.
    const extraConnection =
      runningWorkers.length || options.noWorkers
        ? await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS })
        : undefined;
    const workers = await createWorkers({
      config,
      connection: extraConnection ?? nativeConnection,
      client: temporal,
      database,
      transports,
      workflowBundle: { codePath: services.workflowBundlePath },
      metrics,
    });
    runningWorkers.push({ workers, run: runWorkers(workers), connection: extraConnection });
    return workers;
  };
  if (!options.noWorkers) await startWorkers();

  const workflows = messageWorkflowsFromConfig(temporal, config);
  const resolver = createDnsResolver(config.SENDFLOW_DNS_SERVERS);
  const servers: Server[] = [];
  const startApi = async () => {
    const app = createApp({
      webhookWorkflows: createWebhookWorkflows(temporal, config.TEMPORAL_TASK_QUEUE),
      operationWorkflows: createOperationWorkflows(temporal, config.TEMPORAL_TASK_QUEUE),
      resolver,
      config,
      database,
      temporal,
      workflows,
      logger: createLogger('silent', 'test-api'),
      metrics,
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const baseUrl = await startApi();

  const projectId = `proj_${suffix}`;
  await ensureProject(database.collections, projectId, `test ${suffix}`);
  const createKey: TestStack['createKey'] = async (scopes, extra = {}) =>
    (await createApiKey(database.collections, { projectId, name: 'test', scopes, ...extra })).secret;
  const apiKey = await createKey(['admin']);

  const request: TestStack['request'] = (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? apiKey : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(baseUrl + path, {
      method,
      headers,
      body:
        opts.body === undefined
          ? undefined
          : typeof opts.body === 'string'
            ? opts.body
            : JSON.stringify(opts.body),
    });
  };

  const waitForStatus: TestStack['waitForStatus'] = async (messageId, statuses, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      const res = await request('GET', `/v1/messages/${messageId}`);
      last = (await res.json()) as Record<string, unknown>;
      if (statuses.includes(last.status as string)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `message ${messageId} stayed ${String(last.status)}; wanted ${statuses.join('|')} ${JSON.stringify(last.last_smtp)} ${JSON.stringify(last.reason)}`,
    );
  };

  const sendMessage: TestStack['sendMessage'] = async (body) => {
    const res = await request('POST', '/v1/messages', { body });
    if (res.status !== 202) throw new Error(`POST /v1/messages answered ${res.status}: ${await res.text()}`);
    const { message_id } = (await res.json()) as { message_id: string };
    const message = await database.collections.messages.findOne({ _id: message_id });
    return { messageId: message_id, handle: temporal.workflow.getHandle(message?.workflow_id as string) };
  };

  return {
    baseUrl,
    config,
    metrics,
    acceptanceDeps: {
      config,
      collections: database.collections,
      resolver,
      workflows,
      webhooks: createWebhookWorkflows(temporal, config.TEMPORAL_TASK_QUEUE),
    },
    sendMessage,
    database,
    temporal,
    sink,
    dns,
    projectId,
    apiKey,
    createKey,
    request,
    waitForStatus,
    startExtraApi: startApi,
    startExtraWorkers: startWorkers,
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      for (const { workers, run, connection: extra } of runningWorkers) {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await run;
        await extra?.close();
      }
      transports.closeAll();
      if (testEnv) await testEnv.teardown();
      else {
        await nativeConnection.close();
        await connection.close();
      }
      if (!options.keepDatabase) await database.db.dropDatabase();
      await database.close();
      await sink.close();
      await dns.close();
    },
  };
}
