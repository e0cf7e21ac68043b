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
  'method_not_allowed',
  'already_sent',
  'idempotency_key_reused',
  'invalid_state',
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

/**
 * Marks a refinement JSON Schema cannot express (a range too long, a cursor this API never
 * issued, two fields that exclude each other): a request failing only such checks matched the
 * documented schema, so it is refused with 422 `validation_failed`, not 400.
 */
export const SEMANTIC_CHECK = { params: { semantic: true } } as const;

const isSemantic = (error: ZodError) =>
  error.issues.every(
    (i) => i.code === 'custom' && (i as { params?: { semantic?: boolean } }).params?.semantic === true,
  );

/** The error for a failed parse: 400 for a request outside its schema, 422 for semantic checks. */
export function validationError(error: ZodError, prefix = '', what = 'request'): ServiceError {
  return new ServiceError(
    isSemantic(error) ? 'validation_failed' : 'bad_request',
    `The ${what} is invalid; see errors for each field.`,
    fieldErrorsOf(error, prefix),
  );
}
