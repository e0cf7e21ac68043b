import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { ServiceError } from '../contracts/serviceError';
import type { MessageDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { composeMail } from '../delivery/composeMail';
import { PermanentDeliveryError } from '../delivery/permanentFailure';
import { loadContent } from '../delivery/sendAttempt';

// Composes the MIME a message is sent as, without any network (as the test sink does).
const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

/**
 * The MIME of a message: what a test-mode send captured, what a relay client submitted, or
 * the message composed again from its stored content as it is sent (same Message-ID; without
 * the DKIM signature, which is added per attempt).
 */
export async function messageMime(c: Collections, m: MessageDoc): Promise<Buffer> {
  if (m.content_purged_at)
    throw new ServiceError('not_found', `The content of ${m._id} was purged (retention).`);
  if (m.test) {
    const captured = await c.testDeliveries.findOne({ message_id: m._id }, { sort: { created_at: -1 } });
    if (captured) return Buffer.from(c.sealer.open(captured.raw, ['test_deliveries', captured._id, 'raw']));
  }
  try {
    const content = await loadContent(c, m);
    if (content.kind === 'raw') return content.mime;
    const info = await composer.sendMail(composeMail(m, content));
    return info.message as Buffer;
  } catch (err) {
    if (err instanceof PermanentDeliveryError) throw new ServiceError('not_found', err.message);
    throw err;
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The document a preview shows: the HTML part as sent (the caller serves it sandboxed, scripts
 * off), else the text part as preformatted text.
 */
export async function previewDocument(c: Collections, m: MessageDoc): Promise<string> {
  let { html, text } = m;
  if (m.raw_mime && !m.content_purged_at) {
    const parsed = await simpleParser(await messageMime(c, m));
    html = parsed.html || undefined;
    text = parsed.text;
  }
  if (html) return html;
  const body = text
    ? `<pre style="white-space:pre-wrap;font:14px/1.4 monospace">${escapeHtml(text)}</pre>`
    : `<p style="font:14px sans-serif;color:#666">${m.content_purged_at ? 'The content was purged (retention).' : 'This message has no body.'}</p>`;
  return `<!doctype html><meta charset="utf-8">${body}`;
}
