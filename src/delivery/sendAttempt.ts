import { createPrivateKey } from 'node:crypto';
import type { ObjectId } from 'mongodb';
import type Mail from 'nodemailer/lib/mailer';
import { verpAddress, verpSecret } from '../bounces/verp';
import { FINAL_STATUSES, type MessageStatus } from '../contracts/statuses';
import { loadAttachments } from '../db/attachmentStore';
import type { MessageDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { readStoredFile, StoredFileNotFound } from '../db/storedFiles';
import { domainOf } from '../messages/address';
import { openedContent } from '../messages/messageContent';
import { composeMail, type MailContent } from './composeMail';
import { type DirectDeliveryOptions, deliverDirect } from './directDelivery';
import { PermanentDeliveryError } from './permanentFailure';
import { assertUsableRoute, type IpPools, routesFor, type SmtpRoute, sourceAddress } from './routing';
import { classifyFailure, classifySuccess, isConnectionFailure, type SmtpOutcome } from './smtpOutcome';
import { remoteOf, type TransportProvider } from './smtpTransport';
import { deliverToTestSink } from './testSink';

/**
 * One delivery attempt for one message: through the first matching route (a relay, or the
 * recipient domain's own MX hosts), failing over from a relay to the next route (finally the
 * default route) only when the relay cannot be reached at all. The workflow
 * decides what the outcome means. Data or configuration no attempt can fix throws
 * PermanentDeliveryError.
 */
export interface SendDeps {
  collections: Collections;
  transports: TransportProvider;
  /** `mx`, or the URL of the relay that messages matching no route use. */
  defaultRoute: string;
  ipPools: IpPools;
  /** Domain of VERP return paths (`bounces+<token>@…`), so late bounces find their message. */
  bounceDomain?: string;
  direct: Omit<DirectDeliveryOptions, 'transports'>;
  /** Operator setting: projects' relay routes may reach internal addresses. */
  routesAllowPrivate?: boolean;
}

/**
 * An attempt, or the message's final status when it already ended: a re-run of its workflow
 * (a Reset or "start like this one" in the Temporal UI) or a late bounce then sends nothing.
 */
export type AttemptResult = SmtpOutcome | { kind: 'ended'; status: MessageStatus };

export async function sendAttempt(
  deps: SendDeps,
  messageId: string,
  attempt: number,
): Promise<AttemptResult> {
  const c = deps.collections;
  // Marked in the read that starts the attempt: a worker lost from here on may have sent it.
  const stored = await c.messages.findOneAndUpdate(
    { _id: messageId, status: { $nin: [...FINAL_STATUSES] } },
    { $set: { sending_attempt: attempt } },
    { returnDocument: 'after' },
  );
  if (!stored) {
    const ended = await c.messages.findOne({ _id: messageId }, { projection: { status: 1 } });
    if (ended) return { kind: 'ended', status: ended.status };
    throw new PermanentDeliveryError('message_not_found', `message ${messageId} is not stored`);
  }
  const message = openedContent(c, stored);
  // Independent reads at once: this is on the path of every OTP.
  const [content, dkim, projectRoutes, policy] = await Promise.all([
    loadContent(c, message),
    // Mail from a domain with a DKIM key is signed with it, verified or not yet.
    c.domains.findOne(
      { project_id: message.project_id, name: domainOf(message.from) },
      { projection: { name: 1, dkim_selector: 1, dkim_private_key: 1 } },
    ),
    message.test ? [] : c.routes.find({ project_id: message.project_id }).toArray(),
    message.test
      ? null
      : c.deliveryPolicies.findOne({ _id: message.project_id }, { projection: { ip_pool: 1 } }),
  ]);
  const dkimKey = dkim && {
    ...dkim,
    dkim_private_key: c.sealer.open(dkim.dkim_private_key, ['domains', dkim._id, 'dkim_private_key']),
  };
  if (dkimKey) assertUsableDkimKey(dkimKey.name, dkimKey.dkim_private_key);
  const envelopeFrom = deps.bounceDomain
    ? verpAddress(await verpSecret(c), deps.bounceDomain, message._id)
    : undefined;
  const mail = composeMail(message, content, dkimKey ?? undefined, envelopeFrom);
  if (message.test) return deliverToTestSink(c, mail, message, attempt);

  const opened = projectRoutes.map((r) => ({
    ...r,
    url: r.url === undefined ? undefined : c.sealer.open(r.url, ['routes', r._id, 'url']),
  }));
  const routes = routesFor(opened, message, deps.defaultRoute, deps.ipPools, policy?.ip_pool);
  let outcome: SmtpOutcome | undefined;
  for (const route of routes) {
    assertUsableRoute(route);
    outcome =
      route.kind === 'mx'
        ? await deliverDirect(
            mail,
            message.recipient_domain,
            { ...deps.direct, transports: deps.transports },
            {
              tls: route.tls === 'required' || route.tls === 'none' ? route.tls : 'opportunistic',
              localAddresses: route.localAddresses,
            },
          )
        : await sendThroughRelay(deps.transports, route, mail, deps.routesAllowPrivate ?? false);
    outcome.smtp.route = route.name;
    // Direct delivery fails over across MX hosts itself; moving on to another route would
    // also skip its TLS policy. A relay that cannot be reached hands over to the next route.
    if (route.kind === 'mx' || !isConnectionFailure(outcome)) break;
  }
  return outcome as SmtpOutcome;
}

/** A lost attachment or submitted MIME cannot come back: no attempt could send the message. */
export async function loadContent(c: Collections, message: MessageDoc): Promise<MailContent> {
  const lost = (reason: 'attachment_not_found' | 'raw_mime_not_found') => (err: Error) => {
    if (err instanceof StoredFileNotFound)
      throw new PermanentDeliveryError(reason, `the content of ${message._id}: ${err.message}`);
    throw err;
  };
  const raw = message.raw_mime;
  if (raw) {
    const mime = raw.inline
      ? Buffer.from(raw.inline.buffer)
      : await readStoredFile(c.rawMessages, raw.gridfs_id as ObjectId).catch(lost('raw_mime_not_found'));
    return { kind: 'raw', mime };
  }
  const attachments = await loadAttachments(c.attachmentFiles, message.attachments ?? []).catch(
    lost('attachment_not_found'),
  );
  return { kind: 'fields', attachments };
}

async function sendThroughRelay(
  transports: TransportProvider,
  route: SmtpRoute & { kind: 'relay' },
  mail: Mail.Options,
  allowPrivate: boolean,
): Promise<SmtpOutcome> {
  const remote = remoteOf(route.url);
  try {
    const info = await transports
      .get({
        ...route,
        localAddress: sourceAddress(route.localAddresses) ?? undefined,
        guarded: Boolean(route.guarded) && !allowPrivate,
      })
      .sendMail(mail);
    return classifySuccess(info.response, remote);
  } catch (err) {
    return classifyFailure(err, remote);
  }
}

function assertUsableDkimKey(domain: string, pem: string): void {
  try {
    createPrivateKey(pem);
  } catch (err) {
    throw new PermanentDeliveryError(
      'dkim_key_invalid',
      `the DKIM key of ${domain} cannot be read: ${(err as Error).message}`,
    );
  }
}
