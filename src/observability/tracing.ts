import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';

/**
 * The process's OpenTelemetry tracing: spans of HTTP requests, workflow starts, workflow runs
 * and activities (Temporal's OpenTelemetry interceptors) go to an OTLP/HTTP collector when an
 * endpoint is configured. Without one nothing is recorded and nothing is sent.
 */
export interface Tracing {
  enabled: boolean;
  resource: Resource;
  /** Where workflow spans (made inside the sandbox, handed over by a sink) are sent. */
  spanProcessor: SpanProcessor;
  /** Sends what is still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

export function startTracing(serviceName: string, endpoint: string | undefined): Tracing {
  const resource = new Resource({ 'service.name': serviceName });
  if (!endpoint) {
    return { enabled: false, resource, spanProcessor: new NoopSpanProcessor(), shutdown: async () => {} };
  }
  const spanProcessor = new BatchSpanProcessor(
    new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
    // Short delay: a trace shows up while the operator still looks at the message.
    { scheduledDelayMillis: 1000 },
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global tracer, W3C trace-context propagation and the AsyncLocalStorage context manager.
  provider.register();
  return { enabled: true, resource, spanProcessor, shutdown: () => provider.shutdown() };
}

/**
 * The sink the bundle's OpenTelemetry workflow interceptors send their spans to; every worker
 * (replay workers too) registers it, or each workflow task logs an unregistered sink.
 */
export function workflowSpanSinks(tracing: Pick<Tracing, 'spanProcessor' | 'resource'>) {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
