import { ensureBootstrapKey } from '../accounts/apiKeys';
import { loadConfig } from '../config';
import { keyringFromConfig } from '../crypto/keyring';
import { connectDatabase } from '../db/mongo';
import { createLogger } from '../logger';
import { createMetrics } from '../observability/metrics';
import { startTracing } from '../observability/tracing';
import { createDnsResolver } from '../senderDomains/dnsResolver';
import { connectTemporalClient } from '../temporal/connect';
import { messageWorkflowsFromConfig } from '../temporal/messageWorkflows';
import { createOperationWorkflows } from '../temporal/operationWorkflows';
import { createWebhookWorkflows } from '../temporal/webhookWorkflows';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'sendflow-api');
  // Before the first client: spans need the global tracer and context manager in place.
  const tracing = startTracing('sendflow-api', config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const database = await connectDatabase(config.MONGODB_URI, {
    profileFile: config.SENDFLOW_MONGO_PROFILE,
    keyring: keyringFromConfig(config),
  });
  if (config.SENDFLOW_BOOTSTRAP_KEY)
    await ensureBootstrapKey(database.collections, config.SENDFLOW_BOOTSTRAP_KEY);
  const temporal = await connectTemporalClient(config);
  const workflows = messageWorkflowsFromConfig(temporal, config);
  const resolver = createDnsResolver(config.SENDFLOW_DNS_SERVERS);
  const webhookWorkflows = createWebhookWorkflows(temporal, config.TEMPORAL_TASK_QUEUE);
  const operationWorkflows = createOperationWorkflows(temporal, config.TEMPORAL_TASK_QUEUE);
  let draining = false;
  const app = createApp({
    config,
    database,
    temporal,
    workflows,
    webhookWorkflows,
    operationWorkflows,
    logger,
    metrics: createMetrics({ domains: config.SENDFLOW_METRICS_DOMAINS, process: 'api' }),
    resolver,
    draining: () => draining,
  });
  const server = app.listen(config.PORT, () => logger.info({ port: config.PORT }, 'API listening'));

  // Drain: no new connections, requests under way are answered (their acceptance completes),
  // then the connections close; whatever is still open at the deadline is cut.
  const shutdown = (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal, drain_seconds: config.SENDFLOW_DRAIN_SECONDS }, 'draining');
    server.close(async () => {
      await temporal.connection.close();
      await database.close();
      await tracing.shutdown();
      logger.info('API stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), config.SENDFLOW_DRAIN_SECONDS * 1000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
