import { loadAttachments } from '../db/attachmentStore';
import type { Collections } from '../db/mongo';
import { domainOf } from '../domain/address';
import { composeMail } from './composeMail';
import { classifyFailure, classifySuccess, type SmtpOutcome } from './smtpOutcome';
import { remoteOf, type TransportProvider } from './smtpTransport';
import { deliverToTestSink } from './testSink';

/** One SMTP attempt for one message; the workflow decides what the outcome means. */
export async function sendOnce(
  c: Collections,
  transports: TransportProvider,
  smtpUrl: string,
  messageId: string,
  attempt: number,
): Promise<SmtpOutcome> {
  const message = await c.messages.findOne({ _id: messageId });
  if (!message) throw new Error(`message ${messageId} not found`);
  const remote = remoteOf(smtpUrl);
  const attachments = await loadAttachments(c.attachmentFiles, message.attachments ?? []);
  // Mail from a domain with a DKIM key is signed with it, verified or not yet.
  const dkim = await c.domains.findOne(
    { project_id: message.project_id, name: domainOf(message.from) },
    { projection: { name: 1, dkim_selector: 1, dkim_private_key: 1 } },
  );
  const mail = composeMail(message, attachments, dkim ?? undefined);
  if (message.test) return deliverToTestSink(c, mail, message, attempt);
  try {
    const info = await transports.get(smtpUrl).sendMail(mail);
    return classifySuccess(info.response, remote);
  } catch (err) {
    return classifyFailure(err, remote);
  }
}
