import { Headers } from '@zone-eu/mailsplit';
import type { MessageDoc } from '../db/documents';

/** Header fields the relay reads as instructions to Sendflow; recipients never see them. */
export const DIRECTIVE_PREFIX = 'x-sendflow-';

/** Where the header block ends and the body begins (after the first empty line). */
export function bodyOffset(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return raw.length;
}

/**
 * The MIME a relay submission is delivered as: the body byte for byte, the headers as
 * submitted minus Bcc (its recipients get the mail, nobody sees them), our directives and any
 * stale return path, plus the Message-ID and Date a submission may omit (RFC 6409 §8) and our
 * message id. The DKIM signature is added on top by the transport.
 */
export function mimeForDelivery(raw: Buffer, m: MessageDoc): Buffer {
  const offset = bodyOffset(raw);
  const headers = new Headers(raw.subarray(0, offset));
  const keys = new Set(headers.getList().map((line) => line.key));
  for (const key of keys) {
    if (key === 'bcc' || key === 'return-path' || key.startsWith(DIRECTIVE_PREFIX)) headers.remove(key);
  }
  if (!keys.has('message-id')) headers.add('Message-ID', m.message_id_header);
  if (!keys.has('date')) headers.add('Date', m.created_at.toUTCString().replace('GMT', '+0000'));
  headers.add('X-Sendflow-Message-Id', m._id, headers.getList().length);
  return Buffer.concat([headers.build(), raw.subarray(offset)]);
}
