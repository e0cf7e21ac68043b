import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { keyringFromConfig } from '../crypto/keyring';
import { connectDatabase } from '../db/mongo';
import { createTransportProvider } from '../delivery/smtpTransport';
import { createLogger } from '../logger';
import { createMetrics } from '../observability/metrics';
import { startMetricsServer } from '../observability/metricsServer';
import { startTracing } from '../observability/tracing';
import { connectTemporalClient } from '../temporal/connect';
import { ensureReconcilerSchedule, ensureRetentionSchedule } from '../temporal/maintenanceSchedules';
import { createWorkers, runWorkers } from './createWorker';
import { routeTemporalLogsTo } from './runtimeLogger';
import { loadWorkflowBundle, TRACED_WORKFLOW_BUNDLE_FILE, WORKFLOW_BUNDLE_FILE } from './workflowBundle';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'sendflow-worker');
  routeTemporalLogsTo(logger, config.SENDFLOW_SDK_METRICS_ADDRESS);
  const tracing = startTracing('sendflow-worker', config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const metrics = createMetrics({ domains: config.SENDFLOW_METRICS_DOMAINS, process: 'worker' });
  const database = await connectDatabase(config.MONGODB_URI, {
    profileFile: config.SENDFLOW_MONGO_PROFILE,
    keyring: keyringFromConfig(config),
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const transports = createTransportProvider();
  const client = await connectTemporalClient(config);
  const bundle = loadWorkflowBundle(tracing.enabled ? TRACED_WORKFLOW_BUNDLE_FILE : WORKFLOW_BUNDLE_FILE);
  const workers = await createWorkers({
    config,
    connection,
    client,
    database,
    transports,
    workflowBundle: { codePath: bundle.codePath },
    metrics,
    tracing,
  });
  const metricsServer =
    config.SENDFLOW_METRICS_ADDRESS === 'off'
      ? undefined
      : await startMetricsServer(
          metrics.registry,
          config.SENDFLOW_METRICS_ADDRESS,
          config.SENDFLOW_METRICS_TOKEN,
        );
  await ensureRetentionSchedule(client, config.TEMPORAL_TASK_QUEUE, config.SENDFLOW_RETENTION_EVERY_MINUTES);
  await ensureReconcilerSchedule(
    client,
    config.TEMPORAL_TASK_QUEUE,
    config.SENDFLOW_RECONCILE_EVERY_MINUTES,
    config.SENDFLOW_RECONCILE_MARGIN_MINUTES,
  );
  // Worker.run() installs SIGINT/SIGTERM handlers: it stops polling, lets running activities
  // finish, then resolves, after which we close our own connections.
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, workflowBundle: bundle.digest }, 'worker running');
  await runWorkers(workers);
  transports.closeAll();
  metricsServer?.close();
  await connection.close();
  await client.connection.close();
  await database.close();
  await tracing.shutdown();
  logger.info('worker stopped');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
