import type { PagePosition } from '../contracts/page';
import type { InboundReportDoc, MessageDoc } from '../db/documents';
import { newId } from '../db/ids';
import type { Collections } from '../db/mongo';
import { newestFirstPage } from '../db/pagination';
import { recordLateOutcome } from '../messages/messageService';
import type { WebhookWorkflows } from '../webhooks/fanOut';
import { type InboundReport, parseReport } from './reportParser';
import { readVerpAddress, type VerpToken, verpSecret } from './verp';

export interface InboundDeps {
  collections: Collections;
  webhooks: WebhookWorkflows;
  bounceDomain: string;
}

const EXCERPT_BYTES = 64 * 1024;

/** The message a report is about: the VERP address it was sent to, or one in the original's headers. */
function findToken(
  secret: string,
  deps: InboundDeps,
  envelopeTo: string[],
  report: InboundReport,
): VerpToken {
  const candidates = [...envelopeTo];
  if ('originalHeaders' in report && report.originalHeaders) {
    for (const m of report.originalHeaders.matchAll(/bounces\+[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+/g))
      candidates.push(m[0]);
  }
  let verdict: VerpToken = { kind: 'not_verp' };
  for (const address of candidates) {
    const token = readVerpAddress(secret, deps.bounceDomain, address);
    if (token.kind === 'message') return token;
    if (token.kind === 'forged') verdict = token;
  }
  return verdict;
}

/**
 * Handles one message that arrived at the bounce domain. A bounce (5.x.x DSN) marks the message
 * `bounced` (hard) even after `delivered`; a complaint marks it `complained`; both suppress the
 * recipient and emit their event. Delays, auto-replies, forged tokens and anything unrecognised
 * are stored for inspection and change nothing. Returns what was stored.
 */
export async function handleInbound(
  deps: InboundDeps,
  envelope: { from: string; to: string[] },
  raw: string,
): Promise<InboundReportDoc> {
  const c = deps.collections;
  const { report, subject } = await parseReport(raw);
  const secret = await verpSecret(c);
  const token =
    report.kind === 'auto_reply' || report.kind === 'unrecognized'
      ? undefined
      : findToken(secret, deps, envelope.to, report);
  const message: MessageDoc | null =
    token?.kind === 'message' ? await c.messages.findOne({ _id: token.messageId }) : null;
  const doc: InboundReportDoc = {
    _id: newId('inb'),
    kind: report.kind,
    envelope_from: envelope.from,
    envelope_to: envelope.to,
    subject,
    raw_excerpt: raw.slice(0, EXCERPT_BYTES),
    created_at: new Date(),
  };
  if ('recipient' in report && report.recipient) doc.recipient = report.recipient;
  if ('status' in report) doc.status_code = report.status;
  if ('diagnostic' in report && report.diagnostic) doc.diagnostic = report.diagnostic;
  if (report.kind === 'unrecognized') doc.diagnostic = report.reason;
  if (token?.kind === 'forged') doc.kind = 'forged';
  else if (token && !message && report.kind !== 'auto_reply') {
    doc.kind = 'unrecognized';
    doc.diagnostic =
      token.kind === 'message' ? `no message ${token.messageId}` : 'no VERP token names a message';
  }
  if (message && doc.kind !== 'forged' && doc.kind !== 'unrecognized') {
    doc.project_id = message.project_id;
    doc.message_id = message._id;
    if (report.kind === 'bounce') {
      await recordLateOutcome(deps.collections, deps.webhooks, message, {
        status: 'bounced',
        reason: 'bounced_after_delivery',
        smtp: {
          code: Number(/^\d{3}/.exec(report.diagnostic ?? '')?.[0]) || undefined,
          enhanced_code: report.status,
          response: report.diagnostic ?? `DSN status ${report.status}`,
        },
      });
      doc.applied = 'bounced';
    } else if (report.kind === 'complaint') {
      await recordLateOutcome(deps.collections, deps.webhooks, message, { status: 'complained' });
      doc.applied = 'complained';
    }
  }
  await c.inbound.insertOne(doc);
  return doc;
}

/** A newest-first page of the reports about a project's messages. */
export function inboundPage(
  c: Collections,
  projectId: string,
  page: { limit: number; cursor?: PagePosition },
) {
  return newestFirstPage(c.inbound, { project_id: projectId }, page);
}
