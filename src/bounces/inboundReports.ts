import type { PagePosition } from '../contracts/page';
import type { InboundReportDoc, MessageDoc } from '../db/documents';
import { newId } from '../db/ids';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { newestFirstPage } from '../db/pagination';
import { recordLateOutcome } from '../messages/messageService';
import type { WebhookWorkflows } from '../webhooks/fanOut';
import { type InboundReport, parseReport } from './reportParser';
import { readVerpAddress, verpSecret } from './verp';

export interface InboundDeps {
  collections: Collections;
  webhooks: WebhookWorkflows;
  bounceDomain: string;
}

const EXCERPT_BYTES = 64 * 1024;

/** The VERP addresses a report may name: where it was sent, and any in the original's headers. */
function verpCandidates(envelopeTo: string[], report: InboundReport): string[] {
  const quoted = 'originalHeaders' in report ? (report.originalHeaders ?? '') : '';
  return [
    ...envelopeTo,
    ...[...quoted.matchAll(/bounces\+[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+/g)].map((m) => m[0]),
  ];
}

/** The message a bounce or complaint is about, or why none can be trusted. */
async function reportedMessage(
  deps: InboundDeps,
  envelopeTo: string[],
  report: InboundReport,
): Promise<{ message: MessageDoc } | { kind: 'forged' | 'unrecognized'; diagnostic: string }> {
  const secret = await verpSecret(deps.collections);
  const tokens = verpCandidates(envelopeTo, report).map((a) => readVerpAddress(secret, deps.bounceDomain, a));
  const named = tokens.find((t) => t.kind === 'message');
  if (named?.kind === 'message') {
    const message = await deps.collections.messages.findOne({ _id: named.messageId });
    return message ? { message } : { kind: 'unrecognized', diagnostic: `no message ${named.messageId}` };
  }
  if (tokens.some((t) => t.kind === 'forged'))
    return { kind: 'forged', diagnostic: 'VERP signature does not match' };
  return { kind: 'unrecognized', diagnostic: 'no VERP token names a message' };
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
  const { report, subject } = await parseReport(raw);
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
  if (report.kind === 'bounce' || report.kind === 'delay' || report.kind === 'complaint') {
    const found = await reportedMessage(deps, envelope.to, report);
    if ('message' in found) {
      const { message } = found;
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
    } else {
      doc.kind = found.kind;
      doc.diagnostic = found.diagnostic;
    }
  }
  await deps.collections.inbound.insertOne(doc);
  return doc;
}

/** A newest-first page of the reports about a project's messages. */
export function inboundPage(
  c: Collections,
  projectId: string,
  page: { limit: number; cursor?: PagePosition },
) {
  return newestFirstPage(c.inbound, { project_id: projectId }, { ...page, index: INDEX.inboundNewest });
}
