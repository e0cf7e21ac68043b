import type { SmtpResult } from '../db/documents';

export type SmtpOutcome =
  | { kind: 'delivered'; smtp: SmtpResult }
  | { kind: 'deferred'; smtp: SmtpResult }
  | { kind: 'bounced'; smtp: SmtpResult };

// Connection-level failures are temporary by nature: the next rung of the ladder may succeed.
const TRANSIENT_ERROR_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'ECONNRESET',
  'ECONNREFUSED',
]);

/** RFC 3463 enhanced status code (class.subject.detail) at the start of the reply text. */
export function parseEnhancedCode(response: string | undefined): string | undefined {
  if (!response) return undefined;
  const match = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(response.trim());
  return match?.[1];
}

export function parseQueueId(response: string | undefined): string | undefined {
  if (!response) return undefined;
  return /queued as ([A-Za-z0-9._-]+)/i.exec(response)?.[1] ?? /\bid=([A-Za-z0-9._-]+)/.exec(response)?.[1];
}

function replyCode(response: string | undefined): number | undefined {
  const match = response ? /^(\d{3})/.exec(response.trim()) : null;
  return match ? Number(match[1]) : undefined;
}

export function classifySuccess(response: string, remoteMta: string): SmtpOutcome {
  return {
    kind: 'delivered',
    smtp: {
      code: replyCode(response) ?? 250,
      enhanced_code: parseEnhancedCode(response),
      response,
      remote_mta: remoteMta,
      queue_id: parseQueueId(response),
    },
  };
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  /** The SMTP command the failure answered (nodemailer names the greeting CONN). */
  command?: string;
}

// Commands that set the session up, before any recipient is named.
const SESSION_SETUP = /^(CONN|GREETING|EHLO|HELO|LHLO|STARTTLS|AUTH)\b/i;

/**
 * The server refused us, not the recipient: a greeting, EHLO, STARTTLS or AUTH failure (a TLS
 * policy the server cannot meet, wrong relay credentials). Whatever its code, it is temporary.
 */
export function failedBeforeTransaction(err: unknown): boolean {
  return SESSION_SETUP.test((err as NodemailerError)?.command ?? '');
}

export function classifyFailure(err: unknown, remoteMta: string): SmtpOutcome {
  const e = (err ?? {}) as NodemailerError;
  const code = e.responseCode ?? replyCode(e.response);
  const smtp: SmtpResult = {
    code,
    enhanced_code: parseEnhancedCode(e.response),
    response: e.response ?? e.message ?? String(err),
    remote_mta: remoteMta,
    error_code: e.code,
  };
  if (failedBeforeTransaction(e)) return { kind: 'deferred', smtp };
  if (code !== undefined && code >= 500 && code < 600) return { kind: 'bounced', smtp };
  if (code !== undefined && code >= 400 && code < 500) return { kind: 'deferred', smtp };
  if (e.code && TRANSIENT_ERROR_CODES.has(e.code)) return { kind: 'deferred', smtp };
  // Anything unrecognised is retried rather than bounced: a bounce suppresses the address.
  return { kind: 'deferred', smtp };
}

/** The relay could not be reached or talked to at all: the next route may do better. */
export function isConnectionFailure(outcome: SmtpOutcome): boolean {
  return (
    outcome.kind === 'deferred' && outcome.smtp.code === undefined && outcome.smtp.error_code !== undefined
  );
}
