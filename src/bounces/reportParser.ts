import { simpleParser } from 'mailparser';

/** What a message that arrived at the bounce domain says. */
export type InboundReport =
  | {
      kind: 'bounce' | 'delay';
      recipient?: string;
      status: string;
      diagnostic?: string;
      /** Headers of the original message, when the report includes them. */
      originalHeaders?: string;
    }
  | { kind: 'complaint'; recipient?: string; feedbackType?: string; originalHeaders?: string }
  | { kind: 'auto_reply' }
  | { kind: 'unrecognized'; reason: string };

interface MimePart {
  contentType: string;
  body: string;
}

/**
 * The top-level parts of a multipart report, each with its content type and body as sent.
 * mailparser folds `message/delivery-status` into the text body, so the report's own parts
 * are split here (reports carry them as 7-bit text).
 */
function reportParts(raw: string, boundary: string): MimePart[] {
  const delimiter = `--${boundary}`;
  return raw
    .split(delimiter)
    .slice(1)
    .filter((chunk) => !chunk.startsWith('--'))
    .map((chunk) => {
      const text = chunk.replace(/^\r?\n/, '');
      const split = text.search(/\r?\n\r?\n/);
      const head = split === -1 ? text : text.slice(0, split);
      const body = split === -1 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
      const contentType =
        /^content-type:\s*([^;\r\n]+)/im.exec(head)?.[1].trim().toLowerCase() ?? 'text/plain';
      return { contentType, body };
    });
}

/** `Field: value` pairs of one block of a delivery-status or feedback-report body (folded lines joined). */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m) out.set(m[1].toLowerCase(), m[2].trim());
  }
  return out;
}

const addressOf = (value: string | undefined) =>
  value
    ?.replace(/^rfc822;\s*/i, '')
    .replace(/[<>]/g, '')
    .trim();

function isAutoReply(headers: Map<string, unknown>, subject: string): boolean {
  const autoSubmitted = String(headers.get('auto-submitted') ?? '').toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (headers.has('x-autoreply') || headers.has('x-autorespond')) return true;
  return /^(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|abwesenheit)/i.test(subject);
}

/**
 * Reads a delivery status notification (RFC 3464), a feedback-loop report (ARF, RFC 5965) or
 * an auto-reply (RFC 3834). Anything else is `unrecognized`; nothing here throws on bad input.
 */
export async function parseReport(raw: string): Promise<{ report: InboundReport; subject: string }> {
  let parsed: Awaited<ReturnType<typeof simpleParser>>;
  try {
    parsed = await simpleParser(raw);
  } catch (err) {
    return {
      report: { kind: 'unrecognized', reason: `not a MIME message: ${(err as Error).message}` },
      subject: '',
    };
  }
  const subject = parsed.subject ?? '';
  const type = parsed.headers.get('content-type') as
    | { value?: string; params?: Record<string, string> }
    | undefined;
  const reportType = type?.params?.['report-type']?.toLowerCase();
  if (type?.value === 'multipart/report' && type.params?.boundary) {
    const parts = reportParts(raw, type.params.boundary);
    const original = parts.find(
      (p) => p.contentType === 'text/rfc822-headers' || p.contentType === 'message/rfc822',
    );
    const originalHeaders = original?.body.split(/\r?\n\r?\n/)[0];
    if (reportType === 'delivery-status') {
      const status = parts.find((p) => p.contentType === 'message/delivery-status');
      // The first block is about the reporting MTA; each later block is one recipient.
      const recipientBlock = status?.body
        .split(/\r?\n\r?\n/)
        .map(fields)
        .find((f) => f.has('status'));
      const code = recipientBlock?.get('status');
      if (recipientBlock && code && /^[245]\.\d{1,3}\.\d{1,3}/.test(code)) {
        const kind = code.startsWith('5') ? 'bounce' : code.startsWith('4') ? 'delay' : undefined;
        if (kind)
          return {
            report: {
              kind,
              recipient: addressOf(
                recipientBlock.get('final-recipient') ?? recipientBlock.get('original-recipient'),
              ),
              status: code,
              diagnostic: recipientBlock.get('diagnostic-code')?.replace(/^smtp;\s*/i, ''),
              originalHeaders,
            },
            subject,
          };
        return {
          report: { kind: 'unrecognized', reason: `delivery status ${code} reports success` },
          subject,
        };
      }
      return {
        report: { kind: 'unrecognized', reason: 'delivery-status report without a recipient status' },
        subject,
      };
    }
    if (reportType === 'feedback-report') {
      const feedback = parts.find((p) => p.contentType === 'message/feedback-report');
      const f = fields(feedback?.body ?? '');
      return {
        report: {
          kind: 'complaint',
          feedbackType: f.get('feedback-type'),
          recipient: addressOf(f.get('original-rcpt-to')),
          originalHeaders,
        },
        subject,
      };
    }
  }
  if (isAutoReply(parsed.headers, subject)) return { report: { kind: 'auto_reply' }, subject };
  return {
    report: { kind: 'unrecognized', reason: `a ${type?.value ?? 'plain'} message, not a report` },
    subject,
  };
}
