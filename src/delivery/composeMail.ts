import type Mail from 'nodemailer/lib/mailer';
import type { DomainDoc, MessageDoc } from '../db/documents';
import { mimeForDelivery } from './submittedMime';

/** The sender domain's signing key, opened. */
export type DkimKey = Pick<DomainDoc, 'name' | 'dkim_selector'> & { dkim_private_key: string };

/** The message's content: composed from its fields, or the MIME submitted to the relay. */
export type MailContent = { kind: 'fields'; attachments: Mail.Attachment[] } | { kind: 'raw'; mime: Buffer };

/**
 * The nodemailer message for a stored message; identical on every attempt. `envelopeFrom` is
 * the VERP return path when a bounce domain is configured, else the sender.
 */
export function composeMail(
  m: MessageDoc,
  content: MailContent,
  dkim?: DkimKey,
  envelopeFrom?: string,
): Mail.Options {
  const signing = dkim
    ? { dkim: { domainName: dkim.name, keySelector: dkim.dkim_selector, privateKey: dkim.dkim_private_key } }
    : {};
  if (content.kind === 'raw') {
    return {
      ...signing,
      raw: mimeForDelivery(content.mime, m),
      messageId: m.message_id_header,
      envelope: {
        from: envelopeFrom ?? m.envelope_from ?? m.from,
        to: [m.recipient],
        // Declared by the submitter or found in the bytes: the next hop must be told.
        ...(m.raw_mime?.eight_bit ? { use8BitMime: true } : {}),
      } as Mail.Envelope,
    };
  }
  return {
    ...signing,
    from: m.from_name ? { name: m.from_name, address: m.from } : m.from,
    to: m.recipient_name ? { name: m.recipient_name, address: m.recipient } : m.recipient,
    subject: m.subject,
    html: m.html,
    text: m.text,
    replyTo: m.reply_to,
    messageId: m.message_id_header,
    headers: { ...m.headers, 'X-Sendflow-Message-Id': m._id },
    attachments: content.attachments,
    envelope: { from: envelopeFrom ?? m.from, to: [m.recipient] },
  };
}
