import { Binary } from 'mongodb';
import type { AttachmentRef } from '../db/attachmentStore';
import type { MessageDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import type { SealedValue } from '../db/sealedFields';

/** Subject, custom headers and metadata: what lists and webhooks show. */
interface Summary {
  subject: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
}

/** Bodies and inline bytes: what only the message page and delivery read. */
interface Body {
  html?: string;
  text?: string;
  /** Inline attachment bytes (base64), by attachment index. */
  inline: (string | null)[];
  /** Inline submitted MIME (base64). */
  raw?: string;
}

const place = (m: Pick<MessageDoc, '_id'>, part: 'summary' | 'body') =>
  ['messages', m._id, part] as [string, string, string];

/**
 * The message as it is stored: with a key configured, its content (subject, bodies, custom
 * headers, metadata, inline attachments and MIME) sealed in two parts, so lists open only the
 * small one. Without a key, unchanged.
 */
export function sealedForStorage(c: Pick<Collections, 'sealer'>, m: MessageDoc): MessageDoc {
  if (!c.sealer.keyIds.length) return m;
  const summary: Summary = { subject: m.subject, headers: m.headers, metadata: m.metadata };
  const body: Body = {
    inline: m.attachments.map((a) => (a.inline ? Buffer.from(a.inline.buffer).toString('base64') : null)),
  };
  if (m.html !== undefined) body.html = m.html;
  if (m.text !== undefined) body.text = m.text;
  if (m.raw_mime?.inline) body.raw = Buffer.from(m.raw_mime.inline.buffer).toString('base64');
  const { html: _html, text: _text, ...rest } = m;
  const stored: MessageDoc = {
    ...rest,
    subject: '',
    headers: {},
    metadata: {},
    attachments: m.attachments.map(({ inline: _inline, ...ref }) => ref),
    sealed: {
      summary: c.sealer.seal(JSON.stringify(summary), place(m, 'summary')) as SealedValue,
      body: c.sealer.seal(JSON.stringify(body), place(m, 'body')) as SealedValue,
    },
  };
  if (m.raw_mime) {
    const { inline: _inline, ...raw } = m.raw_mime;
    stored.raw_mime = raw;
  }
  return stored;
}

/**
 * The message with its content opened (what was never sealed passes through). A document read
 * without its body part (lists) opens the summary only.
 */
export function openedContent(c: Pick<Collections, 'sealer'>, m: MessageDoc): MessageDoc {
  if (!m.sealed) return m;
  const { sealed, ...rest } = m;
  const summary = JSON.parse(c.sealer.open(sealed.summary, place(m, 'summary'))) as Summary;
  const opened: MessageDoc = { ...rest, ...summary };
  if (!sealed.body) return opened;
  const body = JSON.parse(c.sealer.open(sealed.body, place(m, 'body'))) as Body;
  if (body.html !== undefined) opened.html = body.html;
  if (body.text !== undefined) opened.text = body.text;
  if (opened.attachments)
    opened.attachments = opened.attachments.map(
      (a, i): AttachmentRef =>
        body.inline[i] ? { ...a, inline: new Binary(Buffer.from(body.inline[i] as string, 'base64')) } : a,
    );
  if (body.raw && opened.raw_mime)
    opened.raw_mime = { ...opened.raw_mime, inline: new Binary(Buffer.from(body.raw, 'base64')) };
  return opened;
}
