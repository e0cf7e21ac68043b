import { loadConfig } from '../config';
import { keyringFromConfig } from '../crypto/keyring';
import { connectDatabase } from '../db/mongo';
import { createLogger } from '../logger';
import { createDnsResolver } from '../senderDomains/dnsResolver';
import { shutdownOnSignal } from '../shutdownOnSignal';
import { connectTemporalClient } from '../temporal/connect';
import { messageWorkflowsFromConfig } from '../temporal/messageWorkflows';
import { createWebhookWorkflows } from '../temporal/webhookWorkflows';
import { startRelayServer } from './relayServer';
import { relayTlsMaterial } from './relayTls';

/** The SMTP relay process: submissions from applications that speak SMTP, not HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'sendflow-relay');
  const tls = await relayTlsMaterial(config);
  if (tls.selfSigned)
    logger.warn(
      'SMTP_RELAY_TLS_CERT/SMTP_RELAY_TLS_KEY are not set: STARTTLS uses a self-signed certificate made at start',
    );
  const database = await connectDatabase(config.MONGODB_URI, { keyring: keyringFromConfig(config) });
  const temporal = await connectTemporalClient(config);
  const server = await startRelayServer(
    {
      config,
      collections: database.collections,
      resolver: createDnsResolver(config.SENDFLOW_DNS_SERVERS),
      workflows: messageWorkflowsFromConfig(temporal, config),
      webhooks: createWebhookWorkflows(temporal, config.TEMPORAL_TASK_QUEUE),
      logger,
      tls,
    },
    { port: config.SMTP_RELAY_PORT, tlsPort: config.SMTP_RELAY_TLS_PORT },
  );
  logger.info({ port: server.port, tlsPort: server.tlsPort }, 'SMTP relay listening');
  shutdownOnSignal(server.close, () => temporal.connection.close(), database.close);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
