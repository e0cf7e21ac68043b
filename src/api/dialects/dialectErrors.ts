import { z } from 'zod';
import type { ErrorSlug, ServiceError } from '../../contracts/serviceError';

/** How one API dialect answers an error: its status and body, from our typed error. */
export interface DialectErrorShape {
  /** Paths this dialect serves. */
  prefix: string;
  /** The error body, for the API description. */
  schema: z.ZodType;
  schemaName: string;
  shape(error: ServiceError, parseFailure: boolean): { status: number; body: Record<string, unknown> };
}

/**
 * The email-API dialect (Sendex reference): `{ error, message }` with its own slugs and
 * statuses; everything else keeps our message.
 */
const SENDEX: Partial<Record<ErrorSlug, [number, string]>> = {
  bad_request: [400, 'bad_request'],
  validation_failed: [400, 'bad_request'],
  template_not_found: [400, 'bad_request'],
  template_render_failed: [400, 'bad_request'],
  idempotency_key_reused: [400, 'bad_request'],
  unauthorized: [401, 'unauthorized'],
  forbidden: [403, 'forbidden'],
  account_suspended: [403, 'account_suspended'],
  not_found: [404, 'not_found'],
  method_not_allowed: [405, 'method_not_allowed'],
  domain_not_verified: [422, 'unprocessable_entity'],
  invalid_recipient: [422, 'invalid_recipient'],
  too_many_requests: [429, 'too_many_requests'],
  quota_exceeded: [402, 'insufficient_credits'],
  payload_too_large: [400, 'bad_request'],
  service_unavailable: [502, 'bad_gateway'],
};

export const sendexErrors: DialectErrorShape = {
  prefix: '/api/v1/emails',
  schema: z.object({ error: z.string(), message: z.string() }),
  schemaName: 'SendexError',
  shape(error) {
    const [status, slug] = SENDEX[error.slug] ?? [500, 'internal_server_error'];
    const message = status === 500 ? 'An unexpected error occurred.' : error.message;
    return { status, body: { error: slug, message } };
  },
};

/**
 * The team-key REST dialect (SendX reference): `{ status: "error", message }` with the exact
 * messages of its error table; the adapter raises the 400 and 429 rows with their own text.
 */
const TEAM_REST: Partial<Record<ErrorSlug, [number, string | null]>> = {
  bad_request: [400, null],
  validation_failed: [422, 'invalid request body'],
  payload_too_large: [422, 'invalid request body'],
  unauthorized: [401, 'The Team ID or API Key specified is not valid'],
  forbidden: [401, 'The Team ID or API Key specified is not valid'],
  not_found: [404, 'not found'],
  method_not_allowed: [405, 'method not allowed'],
  domain_not_verified: [400, 'From email not whitelisted. Please add and verify the domain first.'],
  account_suspended: [400, null],
  quota_exceeded: [429, null],
  too_many_requests: [429, null],
  template_render_failed: [422, 'invalid request body'],
};

export const teamRestErrors: DialectErrorShape = {
  prefix: '/api/v1/rest/',
  schema: z.object({ status: z.literal('error'), message: z.string() }),
  schemaName: 'TeamRestError',
  shape(error, parseFailure) {
    if (parseFailure) return { status: 422, body: { status: 'error', message: 'invalid request body' } };
    const [status, message] = TEAM_REST[error.slug] ?? [500, 'Failed to queue email for delivery'];
    return { status, body: { status: 'error', message: message ?? error.message } };
  },
};

export const DIALECT_ERRORS: DialectErrorShape[] = [sendexErrors, teamRestErrors];
