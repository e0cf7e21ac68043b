import type { ErrorRequestHandler } from 'express';
import { type ErrorSlug, type FieldError, ServiceError } from '../contracts/serviceError';
import { DIALECT_ERRORS } from './dialects/dialectErrors';
import { requestContext } from './requestContext';

/** The one place where error slugs meet HTTP: each slug's status. */
const STATUS_OF: Record<ErrorSlug, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  account_suspended: 403,
  not_found: 404,
  method_not_allowed: 405,
  already_sent: 404,
  idempotency_key_reused: 409,
  invalid_state: 409,
  payload_too_large: 413,
  domain_not_verified: 422,
  invalid_recipient: 422,
  template_not_found: 422,
  template_render_failed: 422,
  channel_not_enabled: 422,
  validation_failed: 422,
  too_many_requests: 429,
  quota_exceeded: 429,
  internal_error: 500,
  service_unavailable: 503,
};

export interface ErrorBody {
  error: ErrorSlug;
  message: string;
  errors?: FieldError[];
  request_id: string;
}

export function httpStatusOf(error: ServiceError): number {
  return STATUS_OF[error.slug];
}

/** Converts anything thrown into the documented error shape; never leaks internals. */
export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  const e = err as { type?: string; status?: number };
  // body-parser signals its own failures with a type and a status.
  if (e?.type === 'entity.too.large')
    return new ServiceError('payload_too_large', 'The request body exceeds the 50 MB limit.');
  if (e?.type === 'entity.parse.failed')
    return new ServiceError('bad_request', 'The request body is not valid JSON.');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new ServiceError('bad_request', 'Unsupported request encoding.');
  return new ServiceError('internal_error', 'An internal error occurred; retry with backoff.');
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const apiError = toServiceError(err);
  const status = httpStatusOf(apiError);
  const ctx = requestContext(res);
  if (status >= 500) ctx.log.error({ err }, 'request failed');
  // A compatibility dialect answers in the error shape of the API it stands in for.
  const dialect = DIALECT_ERRORS.find((d) => req.path.startsWith(d.prefix));
  if (dialect) {
    const shaped = dialect.shape(apiError, (err as { type?: string })?.type === 'entity.parse.failed');
    res.status(shaped.status).json(shaped.body);
    return;
  }
  const body: ErrorBody = { error: apiError.slug, message: apiError.message, request_id: ctx.requestId };
  if (apiError.errors?.length) body.errors = apiError.errors;
  res.status(status).json(body);
};
