import type { ZodError } from 'zod';

/**
 * Every error slug of the HTTP contract (docs/http-contract.md). Services and repositories
 * throw ServiceError with one of these; only src/api/errors.ts knows their HTTP statuses.
 */
export const ERROR_SLUGS = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'account_suspended',
  'not_found',
  'already_sent',
  'idempotency_key_reused',
  'payload_too_large',
  'domain_not_verified',
  'invalid_recipient',
  'template_not_found',
  'template_render_failed',
  'channel_not_enabled',
  'validation_failed',
  'too_many_requests',
  'quota_exceeded',
  'internal_error',
  'service_unavailable',
] as const;

export type ErrorSlug = (typeof ERROR_SLUGS)[number];

export interface FieldError {
  field: string;
  message: string;
}

/** A typed failure a caller can act on: a slug, a human message and optional field errors. */
export class ServiceError extends Error {
  constructor(
    readonly slug: ErrorSlug,
    message: string,
    readonly errors?: FieldError[],
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'ServiceError';
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

export function validationError(error: ZodError): ServiceError {
  return new ServiceError(
    'bad_request',
    'The request is invalid; see errors for each field.',
    fieldErrorsOf(error),
  );
}
