import type { AuthContext } from '../accounts/authContext';
import type { RelayDirectives } from '../contracts/relayDirectives';
import { ServiceError } from '../contracts/serviceError';
import type { MessageDoc } from '../db/documents';
import { messageWorkflowId, newId, sha256Hex } from '../db/ids';
import { deleteStoredFile } from '../db/storedFiles';
import { effectivePolicy } from '../delivery/deliveryPolicy';
import { domainOf, formatMailbox, normalizeAddress } from '../messages/address';
import { canonicalJson } from '../messages/canonicalJson';
import {
  type AcceptanceDeps,
  acceptMessage,
  admitMessage,
  checkSender,
  claimIdOf,
} from '../messages/messageAcceptance';
import type { ReceivedSubmission } from './receiveSubmission';
import { readDirectives } from './relayDirectives';

export interface AcceptedRecipient {
  recipient: string;
  message_id: string;
  replayed: boolean;
}

/**
 * The idempotency key of one recipient's copy: the same Message-ID from the same project is
 * one message per recipient, however often the client resubmits it (keys hold 24 h at least).
 */
function recipientKey(messageIdHeader: string, recipient: string): string {
  return `smtp:${messageIdHeader}:${recipient}`;
}

/**
 * Turns one SMTP submission into one message per RCPT, each on the normal delivery workflow.
 * Recipients are taken in order; if one fails, those before it stay accepted (their workflows
 * run) and the error goes back to the client, whose retry finds them by Message-ID and adds
 * only the rest. A submission stored in GridFS is removed when no new message uses it.
 */
export async function acceptSubmission(
  deps: AcceptanceDeps,
  auth: AuthContext,
  envelope: { mailFrom: string; rcptTo: string[] },
  received: ReceivedSubmission,
  now: Date = new Date(),
): Promise<AcceptedRecipient[]> {
  let fileUsed = false;
  try {
    if (received.from.length !== 1)
      throw new ServiceError('validation_failed', 'The From header must name exactly one sender address.', [
        { field: 'From', message: 'exactly one address' },
      ]);
    const from = received.from[0];
    const directives = readDirectives(received.headers);
    const [sender, policy] = await Promise.all([
      checkSender(deps, auth, from.address),
      effectivePolicy(deps.collections, auth.projectId, deps.config.SENDFLOW_RETRY_SCHEDULE),
    ]);
    const accepted: AcceptedRecipient[] = [];
    for (const rcpt of envelope.rcptTo) {
      const recipient = normalizeAddress(rcpt);
      const key = received.messageIdHeader ? recipientKey(received.messageIdHeader, recipient) : undefined;
      if (directives.template) {
        accepted.push(await acceptTemplated(deps, auth, received, directives, from, recipient, key, now));
        continue;
      }
      const claimId = key ? claimIdOf(auth.projectId, key) : undefined;
      const existingClaim = claimId
        ? await deps.collections.idempotencyClaims.findOne({ _id: claimId })
        : null;
      const message = relayedMessage(auth, envelope.mailFrom, received, directives, {
        recipient,
        key,
        senderDomain: sender.domain,
        fromName: from.name,
        now,
      });
      const result = await admitMessage(deps, {
        message,
        project: sender.project,
        claimId,
        existingClaim,
        retryScheduleMs: policy.retryScheduleMs,
      });
      if (!result.replayed) fileUsed = true;
      accepted.push({ recipient, message_id: result.body.message_id, replayed: result.replayed });
    }
    return accepted;
  } finally {
    const fileId = received.file.gridfs_id;
    if (fileId && !fileUsed) await deleteStoredFile(deps.collections.rawMessages, fileId);
  }
}

function relayedMessage(
  auth: AuthContext,
  mailFrom: string,
  received: ReceivedSubmission,
  directives: RelayDirectives,
  r: { recipient: string; key?: string; senderDomain: string; fromName?: string; now: Date },
): MessageDoc {
  const messageId = newId('msg');
  const idempotencyKey = r.key ?? newId('auto');
  const message: MessageDoc = {
    _id: messageId,
    source: 'smtp',
    project_id: auth.projectId,
    idempotency_key: idempotencyKey,
    // A resubmission is recognised by Message-ID and recipient alone: clients rebuild the MIME.
    request_hash: sha256Hex(
      canonicalJson({
        source: 'smtp',
        message_id: received.messageIdHeader ?? messageId,
        recipient: r.recipient,
      }),
    ),
    workflow_id: messageWorkflowId(auth.projectId, idempotencyKey),
    status: 'queued',
    from: received.from[0].address,
    recipient: r.recipient,
    recipient_domain: domainOf(r.recipient),
    subject: received.subject,
    headers: {},
    attachments: received.attachments.map((a) => ({
      filename: a.filename,
      content_type: a.content_type,
      size: a.size,
    })),
    raw_mime: received.file,
    envelope_from: mailFrom,
    tags: directives.tags,
    metadata: directives.metadata,
    message_type: directives.message_type,
    priority: directives.priority,
    message_id_header: received.messageIdHeader ?? `<${messageId}@${r.senderDomain}>`,
    attempts: 0,
    test: auth.testMode,
    created_at: r.now,
    updated_at: r.now,
  };
  if (r.fromName) message.from_name = r.fromName;
  if (received.html) message.html = received.html;
  if (received.text) message.text = received.text;
  if (received.replyTo) message.reply_to = received.replyTo;
  return message;
}

/**
 * A submission naming a template: its copy is composed from the template like an API send
 * (same validation and rendering), keeping the submitted subject and attachments.
 */
async function acceptTemplated(
  deps: AcceptanceDeps,
  auth: AuthContext,
  received: ReceivedSubmission,
  directives: RelayDirectives,
  from: { address: string; name?: string },
  recipient: string,
  key: string | undefined,
  now: Date,
): Promise<AcceptedRecipient> {
  const body = {
    from: formatMailbox(from),
    recipient,
    ...directives,
    ...(received.subject ? { subject: received.subject } : {}),
    ...(received.replyTo ? { reply_to: received.replyTo } : {}),
    ...(received.attachments.length
      ? {
          attachments: received.attachments.map((a) => ({
            filename: a.filename,
            content_type: a.content_type,
            content: (a.content ?? Buffer.alloc(0)).toString('base64'),
          })),
        }
      : {}),
  };
  try {
    const result = await acceptMessage(deps, auth, body, { 'idempotency-key': key }, { now, source: 'smtp' });
    return { recipient, message_id: result.body.message_id, replayed: result.replayed };
  } catch (err) {
    // A resubmission whose template data changed is still the same Message-ID: not sent again.
    if (!(err instanceof ServiceError) || err.slug !== 'idempotency_key_reused' || !key) throw err;
    const claim = await deps.collections.idempotencyClaims.findOne({ _id: claimIdOf(auth.projectId, key) });
    if (!claim) throw err;
    return { recipient, message_id: claim.message_id, replayed: true };
  }
}
