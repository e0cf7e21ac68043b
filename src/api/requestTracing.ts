import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

/**
 * One server span per request, continuing a caller's `traceparent`. Named by the matched route
 * pattern, never the path: paths can hold recipient addresses. Request and response are bound
 * to the span's context so handlers run after body parsing still see it (the workflow start
 * they make becomes its child).
 */
export function traceRequests(): RequestHandler {
  const tracer = trace.getTracer('sendflow-api');
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : undefined;
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      const requestId = res.getHeader('x-request-id');
      if (requestId) span.setAttribute('sendflow.request_id', String(requestId));
      span.end();
    });
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
