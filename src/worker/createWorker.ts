import type { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createMaintenanceActivities } from '../activities/maintenance';
import type { Config } from '../config';
import { PRIORITIES, type Priority } from '../contracts/statuses';
import { operationsTaskQueue, taskQueueFor } from '../contracts/taskQueues';
import { keyringFromConfig } from '../crypto/keyring';
import type { Database } from '../db/mongo';
import type { TransportProvider } from '../delivery/smtpTransport';
import type { Metrics } from '../observability/metrics';
import { startTracing, type Tracing, workflowSpanSinks } from '../observability/tracing';
import { createDnsResolver } from '../senderDomains/dnsResolver';
import { temporalDataConverter } from '../temporal/encryptionCodec';
import { messageWorkflowsFromConfig } from '../temporal/messageWorkflows';
import { createWebhookWorkflows, webhookTaskQueue } from '../temporal/webhookWorkflows';
import { logMessageIds } from './activityLogIds';

export interface WorkerDeps {
  config: Pick<
    Config,
    | 'TEMPORAL_NAMESPACE'
    | 'TEMPORAL_TASK_QUEUE'
    | 'SMTP_URL'
    | 'SENDFLOW_WEBHOOK_ALLOW_PRIVATE'
    | 'SENDFLOW_ROUTES_ALLOW_PRIVATE'
    | 'SENDFLOW_DEFAULT_ROUTE'
    | 'SENDFLOW_DNS_SERVERS'
    | 'SENDFLOW_MX_PORT'
    | 'SENDFLOW_EHLO_NAME'
    | 'SENDFLOW_IP_POOLS'
    | 'SENDFLOW_BOUNCE_DOMAIN'
    | 'SENDFLOW_ENCRYPTION_KEY'
    | 'SENDFLOW_ENCRYPTION_OLD_KEYS'
    | 'SENDFLOW_DRAIN_SECONDS'
    | 'SENDFLOW_RETRY_SCHEDULE'
    | 'SENDFLOW_HASH_RECIPIENT_ATTRIBUTE'
  >;
  connection: NativeConnection;
  /** Client for starting webhook workflows from activities. */
  client: Client;
  database: Database;
  transports: TransportProvider;
  /** The workflow bundle built at build time (tests share one built by their global setup). */
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>;
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxCachedWorkflows'>>;
  metrics: Metrics;
  /** Where workflow and activity spans go; without it they are dropped. */
  tracing?: Tracing;
}

/**
 * One worker per priority tier, one for webhook deliveries and one for operators' workflows, sharing the connection,
 * activities and workflow bundle.
 */
export async function createWorkers(deps: WorkerDeps): Promise<Worker[]> {
  const webhooks = createWebhookWorkflows(deps.client, deps.config.TEMPORAL_TASK_QUEUE);
  const deliveryActivities = createActivities({
    collections: deps.database.collections,
    transports: deps.transports,
    defaultRoute: deps.config.SENDFLOW_DEFAULT_ROUTE ?? deps.config.SMTP_URL,
    ipPools: deps.config.SENDFLOW_IP_POOLS,
    bounceDomain: deps.config.SENDFLOW_BOUNCE_DOMAIN,
    direct: {
      resolver: createDnsResolver(deps.config.SENDFLOW_DNS_SERVERS),
      port: deps.config.SENDFLOW_MX_PORT,
      ehloName: deps.config.SENDFLOW_EHLO_NAME,
    },
    webhooks,
    allowPrivateWebhooks: deps.config.SENDFLOW_WEBHOOK_ALLOW_PRIVATE,
    allowPrivateRoutes: deps.config.SENDFLOW_ROUTES_ALLOW_PRIVATE,
    metrics: deps.metrics,
  });
  const activities = {
    ...deliveryActivities,
    ...createMaintenanceActivities({
      collections: deps.database.collections,
      messageWorkflows: messageWorkflowsFromConfig(deps.client, deps.config),
      webhooks,
      metrics: deps.metrics,
      defaultRetryScheduleMs: deps.config.SENDFLOW_RETRY_SCHEDULE,
    }),
  };
  const queues = [
    ...PRIORITIES.map((priority: Priority) => taskQueueFor(deps.config.TEMPORAL_TASK_QUEUE, priority)),
    webhookTaskQueue(deps.config.TEMPORAL_TASK_QUEUE),
    operationsTaskQueue(deps.config.TEMPORAL_TASK_QUEUE),
  ];
  const dataConverter = temporalDataConverter(keyringFromConfig(deps.config));
  const tracing = deps.tracing ?? startTracing('sendflow-worker', undefined);
  return Promise.all(
    queues.map((taskQueue) =>
      Worker.create({
        connection: deps.connection,
        ...(dataConverter ? { dataConverter } : {}),
        namespace: deps.config.TEMPORAL_NAMESPACE,
        taskQueue,
        activities,
        interceptors: {
          activity: [
            logMessageIds,
            ...(tracing.enabled
              ? [
                  (ctx: Context) => ({
                    inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
                    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
                  }),
                ]
              : []),
          ],
        },
        // The traced bundle's OpenTelemetry workflow interceptors hand their spans to this sink.
        sinks: workflowSpanSinks(tracing),
        // On SIGTERM polling stops at once; attempts under way get this long to finish.
        shutdownGraceTime: deps.config.SENDFLOW_DRAIN_SECONDS * 1000,
        workflowBundle: deps.workflowBundle,
        ...deps.tuning,
      }),
    ),
  );
}

/** Runs every worker until a shutdown signal; resolves when all have drained. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}
