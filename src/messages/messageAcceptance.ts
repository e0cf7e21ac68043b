import type { AuthContext } from '../accounts/authContext';
import { assertQuotaAllows, effectivePlan, reviewSendingPlan } from '../accounts/sendingPlan';
import type { Config } from '../config';
import { MESSAGE_STORE_DEADLINE_MS } from '../contracts/acceptance';
import {
  type AcceptedMessage,
  IDEMPOTENCY_HEADER_IN_BODY,
  type SendMessageRequest,
  sendMessageSchema,
} from '../contracts/messageRequest';
import { ServiceError, validationError } from '../contracts/serviceError';
import { SpooledContent } from '../contracts/spooledContent';
import { deleteStoredAttachments, storeAttachments } from '../db/attachmentStore';
import type { MessageDoc, MessageSource, ProjectDoc } from '../db/documents';
import { isDuplicateKeyError } from '../db/duplicateKey';
import { messageWorkflowId, newId, sha256Hex } from '../db/ids';
import type { Collections } from '../db/mongo';
import { effectivePolicy } from '../delivery/deliveryPolicy';
import { type DnsResolver, isNoAnswer } from '../senderDomains/dnsResolver';
import { findSenderDomain } from '../senderDomains/senderDomains';
import { renderTemplate, TemplateRenderError } from '../templates/renderTemplate';
import { findTemplate, templateParts } from '../templates/templateStore';
import type { MessageWorkflows } from '../temporal/messageWorkflows';
import type { WebhookWorkflows } from '../webhooks/fanOut';
import { domainOf, normalizeAddress, parseMailbox } from './address';
import { canonicalJson } from './canonicalJson';
import { workflowStartOf } from './deliveryStart';
import { sealedForStorage } from './messageContent';
import { forgetTags, recordTags } from './messageTags';

export interface AcceptanceDeps {
  config: Config;
  collections: Collections;
  resolver: DnsResolver;
  workflows: MessageWorkflows;
  /** For account events a send can trigger (a tier upgrade, a review flag). */
  webhooks: WebhookWorkflows;
}

export interface AcceptResult {
  body: AcceptedMessage;
  replayed: boolean;
}

/** An attachment as the request gave it: base64 text, or already spooled into storage. */
export type IncomingAttachment = { filename: string; content: string | SpooledContent; content_type: string };

/**
 * The body with a valid stand-in where an attachment was spooled while it streamed in (its
 * base64 was checked then), so the one schema validates the rest; and where each was.
 */
function standInForSpooled(body: Record<string, unknown>): {
  body: Record<string, unknown>;
  spooled: Map<number, SpooledContent>;
} {
  const spooled = new Map<number, SpooledContent>();
  if (!Array.isArray(body.attachments)) return { body, spooled };
  const attachments = body.attachments.map((a: unknown, i) => {
    const content = (a as { content?: unknown } | null)?.content;
    if (!(content instanceof SpooledContent)) return a;
    spooled.set(i, content);
    return { ...(a as object), content: 'AAAA' };
  });
  return { body: spooled.size ? { ...body, attachments } : body, spooled };
}

/** Idempotency key from the body, the headers of the request, or the message's custom headers. */
function idempotencyKeyOf(
  body: Record<string, unknown>,
  requestHeaders: Record<string, string | undefined>,
): string | undefined {
  if (typeof body.idempotency_key === 'string') return body.idempotency_key;
  const fromRequest = requestHeaders['idempotency-key'] ?? requestHeaders['x-idempotency-key'];
  if (fromRequest) return fromRequest;
  const custom = body.headers as Record<string, unknown> | undefined;
  if (custom && typeof custom === 'object') {
    for (const [name, value] of Object.entries(custom)) {
      if (name.toLowerCase() === IDEMPOTENCY_HEADER_IN_BODY && typeof value === 'string') return value;
    }
  }
  return undefined;
}

function acceptedBody(m: MessageDoc): AcceptedMessage {
  const body: AcceptedMessage = {
    message_id: m._id,
    status: m.scheduled_time ? 'scheduled' : 'queued',
    recipient: m.recipient,
    created_at: m.created_at.toISOString(),
  };
  if (m.scheduled_time) body.scheduled_time = m.scheduled_time.toISOString();
  return body;
}

interface ResolvedContent {
  subject: string;
  html?: string;
  text?: string;
  template?: MessageDoc['template'];
}

/** The content to send: given inline, or rendered now from a stored template and kept as rendered. */
async function resolveContent(
  c: Collections,
  projectId: string,
  req: Pick<SendMessageRequest, 'template' | 'template_data' | 'subject' | 'html' | 'text'>,
): Promise<ResolvedContent> {
  if (!req.template) return { subject: req.subject as string, html: req.html, text: req.text };
  const template = await findTemplate(c, projectId, req.template);
  if (!template) {
    throw new ServiceError('template_not_found', `No template ${req.template} in this project.`, [
      { field: 'template', message: 'not found' },
    ]);
  }
  try {
    const rendered = renderTemplate(templateParts(template), req.template_data ?? {});
    return {
      subject: req.subject ?? rendered.subject,
      html: rendered.html,
      text: rendered.text,
      template: { id: template._id, name: template.name, version: template.version },
    };
  } catch (err) {
    if (!(err instanceof TemplateRenderError)) throw err;
    throw new ServiceError(
      'template_render_failed',
      `Template ${template.name} failed to render: ${err.message}`,
      [{ field: 'template_data', message: err.message }],
    );
  }
}

/** Rejects recipients whose domain publishes no MX (or a null MX, RFC 7505). */
export async function assertRecipientDomainAcceptsMail(resolver: DnsResolver, domain: string): Promise<void> {
  let mx: { exchange: string }[] = [];
  try {
    mx = await resolver.resolveMx(domain);
  } catch (err) {
    if (!isNoAnswer(err)) {
      throw new ServiceError(
        'service_unavailable',
        `Could not look up MX records of ${domain}; retry.`,
        undefined,
        err,
      );
    }
  }
  if (mx.length === 0 || mx.every((r) => r.exchange === '' || r.exchange === '.')) {
    throw new ServiceError(
      'invalid_recipient',
      `The recipient domain ${domain} accepts no mail (no MX record).`,
      [{ field: 'recipient', message: 'domain has no MX record' }],
    );
  }
}

export interface SenderCheck {
  project: ProjectDoc;
  domain: string;
  /** Display name for bare addresses, from the domain's settings. */
  defaultFromName?: string;
}

/**
 * Whether the key's project may send from this address now: the domain is inside the key's
 * domain scope and verified, and the project is not suspended. HTTP and SMTP ask the same.
 */
export async function checkSender(
  deps: Pick<AcceptanceDeps, 'config' | 'collections'>,
  auth: AuthContext,
  address: string,
): Promise<SenderCheck> {
  const domain = domainOf(address);
  if (auth.domains && !auth.domains.includes(domain)) {
    throw new ServiceError('forbidden', `This API key may not send from ${domain}.`);
  }
  const [project, senderDomainInfo] = await Promise.all([
    deps.collections.projects.findOne({ _id: auth.projectId }),
    findSenderDomain(deps.config, deps.collections, auth.projectId, domain),
  ]);
  if (!project) throw new ServiceError('unauthorized', 'The project of this API key no longer exists.');
  if (project?.suspended_reason) {
    throw new ServiceError(
      'account_suspended',
      `Sending is paused for this project: ${project.suspended_reason}. An admin can resume it.`,
    );
  }
  if (!senderDomainInfo.verified) {
    throw new ServiceError('domain_not_verified', `The sender domain ${domain} is not verified.`, [
      { field: 'from', message: 'domain not verified' },
    ]);
  }
  return { project, domain, defaultFromName: senderDomainInfo.record?.default_from_name };
}

/** The project's default sender, for sends that name none; without one, `from` is required. */
async function defaultSender(c: Collections, projectId: string): Promise<string> {
  const project = await c.projects.findOne({ _id: projectId }, { projection: { default_from: 1 } });
  if (project?.default_from) return project.default_from;
  // The request is well-formed (from is optional); the project lacks what stands in for it.
  throw new ServiceError(
    'validation_failed',
    "from is required: give it, or set the project's default_from with PUT /v1/account/settings.",
    [{ field: 'from', message: 'required (no default sender set)' }],
  );
}

/** The claim that makes one idempotency key one message per project. */
export function claimIdOf(projectId: string, idempotencyKey: string): string {
  return `${projectId}:${sha256Hex(idempotencyKey)}`;
}

export interface Admission {
  message: MessageDoc;
  /** The sending project, as read by checkSender: its plan's quotas apply to new messages. */
  project: ProjectDoc;
  /** Set when the client chose the key: the claim decides between concurrent requests. */
  claimId?: string;
  /** The claim read before, if it existed: the message is then a replay. */
  existingClaim?: { message_id: string; request_hash?: string } | null;
  attachments?: IncomingAttachment[];
  retryScheduleMs: number[];
}

/**
 * Starts a validated message's workflow, then stores the message, exactly once per claim.
 * In that order a crash between the two leaves a workflow that ends alone when its message
 * never appears (nothing to see from outside), never a stored message nothing will move. On
 * any failure it withdraws what it did, so the client's retry starts clean.
 */
export async function admitMessage(deps: AcceptanceDeps, a: Admission): Promise<AcceptResult> {
  const c = deps.collections;
  const { message, claimId } = a;
  if (a.existingClaim) return resumeClaim(deps, a, a.existingClaim);
  await assertQuotaAllows(c, a.project._id, effectivePlan(a.project), 1, message.created_at);
  await reviewSendingPlan(c, deps.webhooks, a.project, message.created_at);

  if (claimId) {
    try {
      await c.idempotencyClaims.insertOne({
        _id: claimId,
        message_id: message._id,
        request_hash: message.request_hash,
        created_at: message.created_at,
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const winner = await c.idempotencyClaims.findOne({ _id: claimId });
      if (!winner)
        throw new ServiceError(
          'service_unavailable',
          'A concurrent request with this idempotency key failed; retry.',
        );
      return resumeClaim(deps, a, winner);
    }
  }
  return startAndStore(deps, a, { ownsClaim: true });
}

async function startAndStore(
  deps: AcceptanceDeps,
  a: Admission,
  opts: { ownsClaim: boolean },
): Promise<AcceptResult> {
  const c = deps.collections;
  const { message, claimId } = a;
  const startedAt = Date.now();
  try {
    await deps.workflows.start(workflowStartOf(message, a.retryScheduleMs));
  } catch (err) {
    if (claimId && opts.ownsClaim)
      await c.idempotencyClaims.deleteOne({ _id: claimId, message_id: message._id });
    throw new ServiceError(
      'service_unavailable',
      'The delivery engine is unavailable; retry with backoff.',
      undefined,
      err,
    );
  }
  try {
    if (a.attachments?.length)
      message.attachments = await storeAttachments(c.attachmentFiles, message._id, a.attachments);
    // Tags first: an entry whose message never got stored is skipped by the listing.
    await recordTags(c, message);
    // Past the deadline the workflow may have stopped waiting: storing now could strand the message.
    if (Date.now() - startedAt > MESSAGE_STORE_DEADLINE_MS)
      throw new ServiceError('service_unavailable', 'Storing the message took too long; retry.');
    await c.messages.insertOne(sealedForStorage(c, message));
  } catch (err) {
    // A concurrent request for the same claim stored it first: that one is the message.
    if (isDuplicateKeyError(err)) return replay(deps, await claimedMessage(c, message._id), message);
    await deleteStoredAttachments(c.attachmentFiles, message.attachments);
    await forgetTags(c, message);
    // The claim goes only with its workflow: a retry under it must not find one still waiting.
    const withdrawn = await deps.workflows.withdraw(message.workflow_id, 'the message could not be stored');
    if (claimId && opts.ownsClaim && withdrawn)
      await c.idempotencyClaims.deleteOne({ _id: claimId, message_id: message._id });
    throw err;
  }
  return { body: acceptedBody(message), replayed: false };
}

/**
 * A request under a claim another request holds: the claimed message once it is stored, or,
 * when the claim's request died before storing it, this request finishes that acceptance
 * under the claim's message id (the workflow already started, if any, waits for that id).
 */
async function resumeClaim(
  deps: AcceptanceDeps,
  a: Admission,
  claim: { message_id: string; request_hash?: string },
): Promise<AcceptResult> {
  const c = deps.collections;
  const stored = await findClaimedMessage(c, claim.message_id);
  if (stored) return replay(deps, stored, a.message);
  if (claim.request_hash === undefined)
    throw new ServiceError(
      'service_unavailable',
      'A concurrent request with this idempotency key is still being processed; retry.',
    );
  if (claim.request_hash !== a.message.request_hash) throw keyReused();
  const message = {
    ...a.message,
    _id: claim.message_id,
    message_id_header: a.message.message_id_header.replace(a.message._id, claim.message_id),
  };
  return startAndStore(deps, { ...a, message }, { ownsClaim: false });
}

/**
 * Validates a send request, stores the message and starts its delivery workflow exactly once
 * per idempotency key. Nothing is stored when the request is rejected.
 */
export async function acceptMessage(
  deps: AcceptanceDeps,
  auth: AuthContext,
  rawBody: unknown,
  requestHeaders: Record<string, string | undefined>,
  options: { now?: Date; source?: MessageSource } = {},
): Promise<AcceptResult> {
  const now = options.now ?? new Date();
  if (!rawBody || typeof rawBody !== 'object' || Array.isArray(rawBody)) {
    throw new ServiceError('bad_request', 'The request body must be a JSON object.');
  }
  const { body: checkable, spooled } = standInForSpooled(rawBody as Record<string, unknown>);
  const parsed = sendMessageSchema.safeParse(checkable);
  if (!parsed.success) throw validationError(parsed.error);
  const req: Omit<SendMessageRequest, 'attachments'> & { attachments?: IncomingAttachment[] } = parsed.data;
  for (const [i, content] of spooled) if (req.attachments?.[i]) req.attachments[i].content = content;

  const clientKey = idempotencyKeyOf(rawBody as Record<string, unknown>, requestHeaders);
  const idempotencyKey = clientKey ?? newId('auto');
  const from = req.from ?? (await defaultSender(deps.collections, auth.projectId));
  const sender = parseMailbox(from);
  const recipientBox = parseMailbox((req.recipient ?? req.to) as string);
  if (!sender || !recipientBox) throw new Error('schema admitted an unparsable address');

  // Independent reads in one round trip's time: the accept path is latency-bound.
  const claimId = clientKey ? claimIdOf(auth.projectId, idempotencyKey) : undefined;
  const [senderCheck, existingClaim, policy] = await Promise.all([
    checkSender(deps, auth, sender.address),
    claimId ? deps.collections.idempotencyClaims.findOne({ _id: claimId }) : null,
    effectivePolicy(deps.collections, auth.projectId, deps.config.SENDFLOW_RETRY_SCHEDULE),
  ]);
  let scheduledTime: Date | undefined;
  if (req.scheduled_time) {
    scheduledTime = new Date(req.scheduled_time);
    if (scheduledTime.getTime() <= now.getTime()) {
      throw new ServiceError('validation_failed', 'scheduled_time must be in the future.', [
        { field: 'scheduled_time', message: 'must be in the future' },
      ]);
    }
    const maxDays = deps.config.SENDFLOW_MAX_SCHEDULE_DAYS;
    if (scheduledTime.getTime() > now.getTime() + maxDays * 86_400_000) {
      throw new ServiceError('validation_failed', `scheduled_time may be at most ${maxDays} days ahead.`, [
        { field: 'scheduled_time', message: `at most ${maxDays} days ahead` },
      ]);
    }
  }

  const recipientDomain = domainOf(recipientBox.address);
  if (deps.config.SENDFLOW_VERIFY_MX) await assertRecipientDomainAcceptsMail(deps.resolver, recipientDomain);
  const content = await resolveContent(deps.collections, auth.projectId, req);
  const headers = Object.fromEntries(
    Object.entries(req.headers ?? {}).filter(([name]) => name.toLowerCase() !== IDEMPOTENCY_HEADER_IN_BODY),
  );
  const recipient = normalizeAddress(recipientBox.address);
  const { idempotency_key: _ignored, to: _alias, attachments, ...payload } = req;
  const hashedAttachments = attachments?.map((a) =>
    a.content instanceof SpooledContent ? { ...a, content: `sha256:${a.content.sha256}` } : a,
  );
  const requestHash = sha256Hex(
    canonicalJson({ ...payload, attachments: hashedAttachments, recipient, headers }),
  );
  const messageId = newId('msg');
  const message: MessageDoc = {
    _id: messageId,
    project_id: auth.projectId,
    idempotency_key: idempotencyKey,
    request_hash: requestHash,
    workflow_id: messageWorkflowId(auth.projectId, idempotencyKey),
    status: scheduledTime ? 'scheduled' : 'queued',
    from: sender.address,
    recipient,
    recipient_domain: domainOf(recipient),
    subject: content.subject,
    headers,
    attachments: [],
    tags: req.tags,
    metadata: req.metadata,
    message_type: req.message_type,
    priority: req.priority,
    message_id_header: `<${messageId}@${senderCheck.domain}>`,
    attempts: 0,
    test: auth.testMode,
    created_at: now,
    updated_at: now,
  };
  if (options.source) message.source = options.source;
  const fromName = sender.name ?? senderCheck.defaultFromName;
  if (fromName) message.from_name = fromName;
  if (recipientBox.name) message.recipient_name = recipientBox.name;
  if (content.html) message.html = content.html;
  if (content.text) message.text = content.text;
  if (content.template) message.template = content.template;
  if (req.reply_to) message.reply_to = parseMailbox(req.reply_to)?.address;
  if (scheduledTime) message.scheduled_time = scheduledTime;

  return admitMessage(deps, {
    message,
    project: senderCheck.project,
    claimId,
    existingClaim,
    attachments,
    retryScheduleMs: policy.retryScheduleMs,
  });
}

/** The message of a claim; the winning request may still be writing it, so wait a moment. */
async function findClaimedMessage(c: Collections, messageId: string): Promise<MessageDoc | null> {
  for (let i = 0; i < 50; i++) {
    const m = await c.messages.findOne({ _id: messageId });
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function claimedMessage(c: Collections, messageId: string): Promise<MessageDoc> {
  const m = await findClaimedMessage(c, messageId);
  if (m) return m;
  throw new ServiceError(
    'service_unavailable',
    'A concurrent request with this idempotency key is still being processed; retry.',
  );
}

const keyReused = () =>
  new ServiceError(
    'idempotency_key_reused',
    'This idempotency key was already used with a different payload.',
  );

async function replay(
  deps: AcceptanceDeps,
  existing: MessageDoc,
  attempt: MessageDoc,
): Promise<AcceptResult> {
  if (existing.request_hash !== attempt.request_hash) throw keyReused();
  // The first request may still be starting the workflow; starting again is a no-op if it did.
  // Only while the message has not moved: a closed, expired workflow must never run twice.
  if (existing.status === 'queued' || existing.status === 'scheduled') {
    const policy = await effectivePolicy(
      deps.collections,
      existing.project_id,
      deps.config.SENDFLOW_RETRY_SCHEDULE,
    );
    await deps.workflows.start(workflowStartOf(existing, policy.retryScheduleMs));
  }
  return { body: acceptedBody(existing), replayed: true };
}
