import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import packageJson from '../../package.json';
import type { Config } from '../config';
import { ServiceError } from '../contracts/serviceError';
import { keyringFromConfig } from '../crypto/keyring';
import type { Database } from '../db/mongo';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { scrape, scrapeAllowed } from '../observability/metricsServer';
import type { DnsResolver } from '../senderDomains/dnsResolver';
import { temporalDataConverter } from '../temporal/encryptionCodec';
import type { MessageWorkflows } from '../temporal/messageWorkflows';
import type { OperationWorkflows } from '../temporal/operationWorkflows';
import { taskQueueBacklog } from '../temporal/taskQueueBacklog';
import type { WebhookWorkflows } from '../webhooks/fanOut';
import { identify, requireCsrfForSessions, requireKey } from './auth';
import { consoleSite } from './consoleSite';
import { channelSendRoutes } from './dialects/channelSend';
import { sendexEmailRoutes } from './dialects/sendexEmails';
import { teamRestSendRoutes } from './dialects/teamRestSend';
import { errorHandler } from './errors';
import { boundLargeBodies } from './largeBodies';
import { answerOptions, methodNotAllowed, UNVERSIONED_ROUTES } from './methodNotAllowed';
import { buildOpenApiDocument } from './openapi';
import { rateLimit } from './rateLimit';
import { requestIdMiddleware } from './requestContext';
import { traceRequests } from './requestTracing';
import { mountRoutes, type RouteSpec } from './routeSpec';
import { accountRoutes } from './routes/account';
import { analyticsRoutes } from './routes/analytics';
import { apiKeyRoutes } from './routes/apiKeys';
import { codecCors, codecRoutes } from './routes/codec';
import { deliveryPolicyRoutes } from './routes/deliveryPolicy';
import { domainRoutes } from './routes/domains';
import { eventRoutes } from './routes/events';
import { healthRouter } from './routes/health';
import { inboundRoutes } from './routes/inbound';
import { messageRoutes } from './routes/messages';
import { operationRoutes } from './routes/operations';
import { recipientRoutes } from './routes/recipients';
import { sessionRoutes } from './routes/sessions';
import { smtpRouteRoutes } from './routes/smtpRoutes';
import { suppressionRoutes } from './routes/suppressions';
import { templateRoutes } from './routes/templates';
import { webhookRoutes } from './routes/webhooks';
import { spoolLargeAttachments } from './spooledSendBody';

export interface AppDeps {
  config: Config;
  resolver: DnsResolver;
  database: Database;
  temporal: Client;
  workflows: MessageWorkflows;
  webhookWorkflows: WebhookWorkflows;
  operationWorkflows: OperationWorkflows;
  logger: Logger;
  metrics: Metrics;
  /** True once the process drains after SIGTERM (main.ts). */
  draining?: () => boolean;
}

export const BODY_LIMIT_BYTES = 50 * 1024 * 1024;

export function apiRoutes(deps: AppDeps): RouteSpec[] {
  const collections = deps.database.collections;
  const acceptance = {
    config: deps.config,
    collections,
    workflows: deps.workflows,
    resolver: deps.resolver,
    webhooks: deps.webhookWorkflows,
  };
  return [
    ...messageRoutes(acceptance),
    ...channelSendRoutes(acceptance),
    ...sendexEmailRoutes(acceptance),
    ...teamRestSendRoutes(acceptance),
    ...eventRoutes(collections, deps.config.SENDFLOW_MAX_STREAMS_PER_KEY),
    ...webhookRoutes(collections, deps.config, deps.webhookWorkflows),
    ...templateRoutes(collections),
    ...suppressionRoutes(collections),
    ...domainRoutes(collections, deps.resolver),
    ...apiKeyRoutes(collections),
    ...deliveryPolicyRoutes(collections, deps.config),
    ...smtpRouteRoutes(collections, deps.config.SENDFLOW_IP_POOLS, deps.config.SENDFLOW_ROUTES_ALLOW_PRIVATE),
    ...analyticsRoutes(collections),
    ...accountRoutes(collections, deps.config),
    ...inboundRoutes(collections),
    ...recipientRoutes(collections),
    ...operationRoutes(collections, deps.operationWorkflows),
    ...sessionRoutes(collections),
    ...codecRoutes(temporalDataConverter(keyringFromConfig(deps.config))?.payloadCodecs[0]),
  ];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.SENDFLOW_TRUST_PROXY);
  const collections = deps.database.collections;
  app.use(requestIdMiddleware(deps.logger));
  // Health answers before keys and limits: probes must work whoever floods the API.
  const draining = deps.draining ?? (() => false);
  // While draining, answers close their connection: clients reconnect to another process.
  app.use((_req, res, next) => {
    if (draining()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(healthRouter(deps.database.db, deps.temporal, draining));
  // Scraped by Prometheus before keys and limits, like the health probes (README "Operating").
  app.get('/metrics', async (req, res, next) => {
    if (!scrapeAllowed(req.get('authorization'), deps.config.SENDFLOW_METRICS_TOKEN)) {
      res.status(401).end();
      return;
    }
    try {
      const { contentType, body } = await scrape(deps.metrics.registry);
      res.type(contentType).send(body);
    } catch (err) {
      next(err);
    }
  });
  deps.metrics.onScrape(
    'sendflow_task_queue_backlog',
    'Tasks waiting in each task queue (Temporal estimate): priority tiers, webhooks, operations',
    ['tier'],
    () => taskQueueBacklog(deps.temporal, deps.config.TEMPORAL_NAMESPACE, deps.config.TEMPORAL_TASK_QUEUE),
  );
  // The console's files need no key: the page signs in, then calls /v1 with its cookie.
  app.use(
    consoleSite({
      temporalUiUrl: deps.config.SENDFLOW_TEMPORAL_UI_URL,
      namespace: deps.config.TEMPORAL_NAMESPACE,
    }),
  );
  // Traces start here (probes and scrapes make none), and only when they are exported: without
  // a collector every request would still pay for a span nobody records.
  if (deps.config.OTEL_EXPORTER_OTLP_ENDPOINT) app.use(traceRequests());
  // Accept latency of the send endpoints, measured to the last byte of the answer.
  app.use((req, res, next) => {
    if (req.method !== 'POST' || (req.path !== '/v1/messages' && req.path !== '/v1/messages/batch')) {
      next();
      return;
    }
    const started = performance.now();
    res.once('finish', () => deps.metrics.accept(res.statusCode, (performance.now() - started) / 1000));
    next();
  });
  app.use(identify(collections));
  app.use(rateLimit(collections.rateWindows, deps.config.SENDFLOW_FAILED_AUTH_PER_MINUTE));
  const routes = apiRoutes(deps);
  const openapi = buildOpenApiDocument(routes, { version: packageJson.version });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  app.use('/codec', codecCors(deps.config.SENDFLOW_CODEC_CORS_ORIGINS), requireKey);
  // The codec endpoint transforms and changes nothing: a session cookie needs no CSRF token there.
  app.use('/v1', requireKey, requireCsrfForSessions);
  app.use('/api/v1', requireKey, requireCsrfForSessions);
  app.use(boundLargeBodies(deps.config.SENDFLOW_MAX_LARGE_BODIES));
  app.post('/v1/messages', spoolLargeAttachments(collections.attachmentFiles, BODY_LIMIT_BYTES));
  app.use(express.json({ limit: BODY_LIMIT_BYTES, type: ['application/json', 'application/*+json'] }));
  // Before the router, which would take GET /v1/operations/reencrypt for GET /v1/operations/:id.
  app.use(answerOptions([...routes, ...UNVERSIONED_ROUTES]));
  app.use(methodNotAllowed([...routes, ...UNVERSIONED_ROUTES]));
  const v1 = express.Router();
  mountRoutes(v1, routes);
  app.use(v1);

  app.use((req, _res, next) =>
    next(new ServiceError('not_found', `No route for ${req.method} ${req.path}.`)),
  );
  app.use(errorHandler);
  return app;
}
