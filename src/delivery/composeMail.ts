import type Mail from 'nodemailer/lib/mailer';
import type { DomainDoc, MessageDoc } from '../db/documents';

export type DkimKey = Pick<DomainDoc, 'name' | 'dkim_selector' | 'dkim_private_key'>;

/**
 * The nodemailer message for a stored message; identical on every attempt. `envelopeFrom` is
 * the VERP return path when a bounce domain is configured, else the sender.
 */
export function composeMail(
  m: MessageDoc,
  attachments: Mail.Attachment[],
  dkim?: DkimKey,
  envelopeFrom?: string,
): Mail.Options {
  return {
    ...(dkim
      ? {
          dkim: { domainName: dkim.name, keySelector: dkim.dkim_selector, privateKey: dkim.dkim_private_key },
        }
      : {}),
    from: m.from_name ? { name: m.from_name, address: m.from } : m.from,
    to: m.recipient,
    subject: m.subject,
    html: m.html,
    text: m.text,
    replyTo: m.reply_to,
    messageId: m.message_id_header,
    headers: { ...m.headers, 'X-Sendflow-Message-Id': m._id },
    attachments,
    envelope: { from: envelopeFrom ?? m.from, to: [m.recipient] },
  };
}
