import { loadAttachments } from '../db/attachmentStore';
import type { Collections } from '../db/mongo';
import { composeMail } from './composeMail';
import { classifyFailure, classifySuccess, type SmtpOutcome } from './smtpOutcome';
import { remoteOf, type TransportProvider } from './smtpTransport';

/** One SMTP attempt for one message; the workflow decides what the outcome means. */
export async function sendOnce(
  c: Collections,
  transports: TransportProvider,
  smtpUrl: string,
  messageId: string,
): Promise<SmtpOutcome> {
  const message = await c.messages.findOne({ _id: messageId });
  if (!message) throw new Error(`message ${messageId} not found`);
  const remote = remoteOf(smtpUrl);
  const attachments = await loadAttachments(c.attachmentFiles, message.attachments ?? []);
  try {
    const info = await transports.get(smtpUrl).sendMail(composeMail(message, attachments));
    return classifySuccess(info.response, remote);
  } catch (err) {
    return classifyFailure(err, remote);
  }
}
