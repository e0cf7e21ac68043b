import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../logger';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

function temporalLevelOf(pinoLevel: string): LogLevel {
  const found = Object.entries(PINO_LEVEL).find(([, name]) => name === pinoLevel);
  return found ? (found[0] as LogLevel) : 'ERROR';
}

/**
 * Sends the Temporal SDK's own log lines (worker state, workflow and activity logs) through the
 * process's pino logger, so they are JSON on stdout at the configured level like every other line.
 * Must run before the first worker or native connection is created.
 */
export function routeTemporalLogsTo(logger: Logger, sdkMetricsAddress?: string): void {
  const level = temporalLevelOf(logger.level);
  Runtime.install({
    telemetryOptions: {
      // The native core's lines (failed workflow tasks, poller errors) join the same stream.
      logging: { filter: { core: level, other: level }, forward: {} },
      // The SDK's own worker metrics (slots, polls, task latencies) on their own endpoint.
      ...(sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } : {}),
    },
    logger: new DefaultLogger(level, ({ level, message, meta }) => {
      logger[PINO_LEVEL[level]]({ ...meta, source: 'temporal' }, message);
    }),
  });
}
