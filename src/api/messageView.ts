import type { z } from 'zod';
import type {
  messageDetailSchema,
  messageSummarySchema,
  smtpViewSchema,
  timelineEventSchema,
} from '../contracts/messageQueries';
import type { MessageStatus } from '../contracts/statuses';
import type { EventDoc, MessageDoc, SmtpResult } from '../db/documents';
import { publicEventId } from '../events/eventLog';

function smtpView(s: SmtpResult): z.infer<typeof smtpViewSchema> {
  return {
    code: s.code ?? null,
    enhanced_code: s.enhanced_code ?? null,
    response: s.response ?? null,
    remote_mta: s.remote_mta ?? null,
    queue_id: s.queue_id ?? null,
    route: s.route ?? null,
    tls: s.tls ?? null,
  };
}

/** A message's own event (a timeline holds nothing else): it always has a status. */
type MessageEvent = EventDoc & { status: MessageStatus };

export function eventView(e: MessageEvent): z.infer<typeof timelineEventSchema> {
  return {
    id: publicEventId(e),
    event: e.type,
    status: e.status,
    created_at: e.created_at.toISOString(),
    ...(e.attempt !== undefined ? { attempt: e.attempt } : {}),
    ...(e.smtp ? { smtp: smtpView(e.smtp) } : {}),
    ...(e.bounce_type ? { bounce_type: e.bounce_type } : {}),
    ...(e.bounce_category ? { bounce_category: e.bounce_category } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.next_attempt_at ? { next_attempt_at: e.next_attempt_at.toISOString() } : {}),
  };
}

/** The sender as shown: `"Name" <address>` or the bare address. */
export function displayFrom(m: Pick<MessageDoc, 'from' | 'from_name'>): string {
  return m.from_name ? `"${m.from_name}" <${m.from}>` : m.from;
}

/** Public shape of a message; bodies are returned only on the single-message endpoint. */
export function messageSummaryView(m: MessageDoc): z.infer<typeof messageSummarySchema> {
  return {
    message_id: m._id,
    status: m.status,
    source: m.source ?? 'api',
    from: displayFrom(m),
    recipient: m.recipient,
    subject: m.subject,
    message_type: m.message_type,
    priority: m.priority,
    tags: m.tags,
    metadata: m.metadata,
    attempts: m.attempts,
    last_smtp: m.last_smtp ? smtpView(m.last_smtp) : null,
    bounce_type: m.bounce_type ?? null,
    bounce_category: m.bounce_category ?? null,
    reason: m.reason ?? null,
    test: m.test,
    scheduled_time: m.scheduled_time?.toISOString() ?? null,
    created_at: m.created_at.toISOString(),
    updated_at: m.updated_at.toISOString(),
    delivered_at: m.delivered_at?.toISOString() ?? null,
  };
}

export function messageDetailView(m: MessageDoc, events: EventDoc[]): z.infer<typeof messageDetailSchema> {
  return {
    ...messageSummaryView(m),
    message_id_header: m.message_id_header,
    reply_to: m.reply_to ?? null,
    headers: m.headers,
    html: m.html ?? null,
    text: m.text ?? null,
    content_purged_at: m.content_purged_at?.toISOString() ?? null,
    attachments: (m.attachments ?? []).map((a) => ({
      filename: a.filename,
      content_type: a.content_type,
      size: a.size,
    })),
    workflow_id: m.workflow_id,
    events: events.filter((e): e is MessageEvent => e.status !== undefined).map(eventView),
  };
}
