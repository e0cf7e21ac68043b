import type { ErrorRequestHandler } from 'express';
import type { ZodError } from 'zod';
import { requestContext } from './requestContext';

/** Every slug of the DESIGN.md error table, with the HTTP status it maps to. */
const STATUS_OF = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  account_suspended: 403,
  not_found: 404,
  already_sent: 404,
  idempotency_key_reused: 409,
  payload_too_large: 413,
  domain_not_verified: 422,
  invalid_recipient: 422,
  template_not_found: 422,
  template_render_failed: 422,
  channel_not_enabled: 422,
  validation_failed: 422,
  too_many_requests: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorSlug = keyof typeof STATUS_OF;

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly slug: ErrorSlug,
    message: string,
    readonly errors?: FieldError[],
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'ApiError';
    this.status = STATUS_OF[slug];
  }
}

export function fieldErrorsOf(error: ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return { field: prefix + issue.keys.join(', '), message: 'unknown field' };
    }
    return { field: prefix + (path.length ? path.join('.') : '(body)'), message: issue.message };
  });
}

export function validationError(error: ZodError): ApiError {
  return new ApiError(
    'bad_request',
    'The request is invalid; see errors for each field.',
    fieldErrorsOf(error),
  );
}

export interface ErrorBody {
  error: ErrorSlug;
  message: string;
  errors?: FieldError[];
  request_id: string;
}

/** Converts anything thrown into the documented error shape; never leaks internals. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number };
  // body-parser signals its own failures with a type and a status.
  if (e?.type === 'entity.too.large')
    return new ApiError('payload_too_large', 'The request body exceeds the 50 MB limit.');
  if (e?.type === 'entity.parse.failed')
    return new ApiError('bad_request', 'The request body is not valid JSON.');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new ApiError('bad_request', 'Unsupported request encoding.');
  return new ApiError('internal_error', 'An internal error occurred; retry with backoff.');
}

export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const apiError = toApiError(err);
  const ctx = requestContext(res);
  if (apiError.status >= 500) ctx.log.error({ err }, 'request failed');
  const body: ErrorBody = { error: apiError.slug, message: apiError.message, request_id: ctx.requestId };
  if (apiError.errors?.length) body.errors = apiError.errors;
  res.status(apiError.status).json(body);
};
