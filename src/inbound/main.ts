import { startInboundServer } from '../bounces/inboundServer';
import { loadConfig } from '../config';
import { keyringFromConfig } from '../crypto/keyring';
import { connectDatabase } from '../db/mongo';
import { createLogger } from '../logger';
import { shutdownOnSignal } from '../shutdownOnSignal';
import { connectTemporalClient } from '../temporal/connect';
import { createWebhookWorkflows } from '../temporal/webhookWorkflows';

/** The inbound listener process: bounce and complaint reports for SENDFLOW_BOUNCE_DOMAIN. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'sendflow-inbound');
  if (!config.SENDFLOW_BOUNCE_DOMAIN) {
    logger.info('SENDFLOW_BOUNCE_DOMAIN is not set: no VERP return paths, so no inbound listener');
    return;
  }
  const database = await connectDatabase(config.MONGODB_URI, { keyring: keyringFromConfig(config) });
  const temporal = await connectTemporalClient(config);
  const server = await startInboundServer(
    {
      collections: database.collections,
      webhooks: createWebhookWorkflows(temporal, config.TEMPORAL_TASK_QUEUE),
      bounceDomain: config.SENDFLOW_BOUNCE_DOMAIN,
      logger,
    },
    { port: config.SENDFLOW_INBOUND_PORT },
  );
  logger.info({ port: server.port, bounceDomain: config.SENDFLOW_BOUNCE_DOMAIN }, 'inbound listening');
  shutdownOnSignal(server.close, () => temporal.connection.close(), database.close);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
