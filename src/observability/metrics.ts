import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcileCounts } from '../contracts/reconciliation';
import { FINAL_STATUSES, type MessageStatus } from '../contracts/statuses';

/**
 * The engine's own metrics (prom-client), one registry per process: the API and each worker
 * expose theirs, Prometheus sums them. Recipient domains are labelled only when listed
 * (SENDFLOW_METRICS_DOMAINS), the rest count as `other`, so the series stay few.
 */
export interface Metrics {
  registry: Registry;
  /** A message reached a final status. */
  messageFinal(status: MessageStatus, route: string | undefined, recipient: string): void;
  /** One SMTP attempt and how it ended (delivered, deferred, bounced, failed, error). */
  sendAttempt(result: string, seconds: number): void;
  /** One accepted (or refused) send request at the API. */
  accept(statusCode: number, seconds: number): void;
  /** One webhook delivery attempt's outcome. */
  webhookAttempt(outcome: string): void;
  /** A reconciliation's result: what it did, and how many messages it found stuck. */
  reconciled(counts: ReconcileCounts): void;
  /** Gauges read when scraped (task-queue backlog), registered by whoever can measure them. */
  onScrape(
    name: string,
    help: string,
    labelNames: string[],
    read: () => Promise<[Record<string, string>, number][]>,
  ): void;
}

export function createMetrics(opts: { domains: string[]; process: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: opts.process });
  collectDefaultMetrics({ register: registry, prefix: 'sendflow_' });
  const labelled = new Set(opts.domains.map((d) => d.toLowerCase()));
  const domainLabel = (recipient: string) => {
    const domain = recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase();
    return labelled.has(domain) ? domain : 'other';
  };
  const final = new Counter({
    name: 'sendflow_messages_final_total',
    help: 'Messages that reached a final status, by status, route and recipient domain',
    labelNames: ['status', 'route', 'recipient_domain'],
    registers: [registry],
  });
  const attempts = new Histogram({
    name: 'sendflow_send_attempt_seconds',
    help: 'SMTP attempts, from activity start to the answer, by result',
    labelNames: ['result'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const accepts = new Histogram({
    name: 'sendflow_accept_seconds',
    help: 'Send requests at the API (POST /v1/messages and batches), by HTTP status',
    labelNames: ['status_code'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'sendflow_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const reconciler = new Counter({
    name: 'sendflow_reconciler_messages_total',
    help: 'Messages the reconciler acted on: pushed (overdue wait), restarted, finished, or stuck (running, not answering)',
    labelNames: ['action'],
    registers: [registry],
  });
  const stuck = new Gauge({
    name: 'sendflow_stuck_messages',
    help: 'Unfinished messages the last reconciliation found with a closed, lost or overdue workflow',
    registers: [registry],
  });
  const lastRun = new Gauge({
    name: 'sendflow_reconciler_last_run_timestamp_seconds',
    help: 'When the last reconciliation (in this process) finished',
    registers: [registry],
  });
  return {
    registry,
    messageFinal(status, route, recipient) {
      if (!FINAL_STATUSES.includes(status)) return;
      final.inc({ status, route: route ?? 'none', recipient_domain: domainLabel(recipient) });
    },
    sendAttempt(result, seconds) {
      attempts.observe({ result }, seconds);
    },
    accept(statusCode, seconds) {
      accepts.observe({ status_code: String(statusCode) }, seconds);
    },
    webhookAttempt(outcome) {
      webhooks.inc({ outcome });
    },
    reconciled(counts) {
      for (const action of ['pushed', 'restarted', 'finished', 'stuck'] as const)
        reconciler.inc({ action }, counts[action]);
      stuck.set(counts.pushed + counts.restarted + counts.finished + counts.stuck);
      lastRun.setToCurrentTime();
    },
    onScrape(name, help, labelNames, read) {
      // Registered once per process: a second app in the same process reads the same queues.
      if (registry.getSingleMetric(name)) return;
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          for (const [labels, value] of await read()) this.set(labels, value);
        },
      });
    },
  };
}
