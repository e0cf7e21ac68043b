import { type ErrorSlug, ServiceError } from '../contracts/serviceError';

export interface SmtpReply {
  code: number;
  enhanced: string;
}

/**
 * The one place where error slugs meet SMTP. What the sender can fix is permanent (5xx, the
 * client bounces it to its user); what passes by itself is temporary (4xx, the client queues
 * and retries), and so is anything unknown: a relay must never lose mail to its own fault.
 */
const REPLY_OF: Record<ErrorSlug, SmtpReply> = {
  bad_request: { code: 550, enhanced: '5.6.0' },
  validation_failed: { code: 550, enhanced: '5.6.0' },
  unauthorized: { code: 535, enhanced: '5.7.8' },
  forbidden: { code: 550, enhanced: '5.7.1' },
  domain_not_verified: { code: 550, enhanced: '5.7.1' },
  invalid_recipient: { code: 550, enhanced: '5.1.2' },
  template_not_found: { code: 550, enhanced: '5.6.0' },
  template_render_failed: { code: 550, enhanced: '5.6.0' },
  channel_not_enabled: { code: 550, enhanced: '5.6.0' },
  payload_too_large: { code: 552, enhanced: '5.3.4' },
  account_suspended: { code: 451, enhanced: '4.7.1' },
  too_many_requests: { code: 451, enhanced: '4.7.0' },
  quota_exceeded: { code: 451, enhanced: '4.7.1' },
  idempotency_key_reused: { code: 451, enhanced: '4.3.0' },
  invalid_state: { code: 451, enhanced: '4.3.0' },
  not_found: { code: 451, enhanced: '4.3.0' },
  method_not_allowed: { code: 451, enhanced: '4.3.0' },
  already_sent: { code: 451, enhanced: '4.3.0' },
  internal_error: { code: 451, enhanced: '4.3.0' },
  service_unavailable: { code: 451, enhanced: '4.3.0' },
};

/** An error smtp-server answers with: `<code> <enhanced> <text>`. */
export function smtpError(code: number, enhanced: string, text: string): Error {
  return Object.assign(new Error(`${enhanced} ${text.replace(/[\r\n]+/g, ' ')}`), { responseCode: code });
}

/**
 * The reply for anything thrown while handling a command: an SMTP reply as made, a typed
 * error by the table, anything else a temporary failure (internals never reach the client).
 */
export function replyFor(err: unknown): Error {
  if (err instanceof Error && 'responseCode' in err) return err;
  if (err instanceof ServiceError) {
    const { code, enhanced } = REPLY_OF[err.slug];
    return smtpError(code, enhanced, err.message);
  }
  return smtpError(451, '4.3.0', 'Temporary failure storing the message; try again later.');
}
