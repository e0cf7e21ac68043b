import type { EventPayload, MessageEventData } from '../contracts/webhookSchemas';
import type { EventDoc, MessageDoc } from '../db/documents';
import { publicEventId } from '../events/eventLog';

/** The event payload of the HTTP contract, shared by webhooks, /v1/events and the SSE stream. */
export function eventPayload(
  e: EventDoc,
  m: Pick<MessageDoc, 'recipient' | 'tags' | 'metadata' | 'headers'> | null,
): EventPayload {
  const base = {
    id: publicEventId(e),
    sequence: e.seq,
    event: e.type,
    created_at: e.created_at.toISOString(),
  };
  if (!e.type.startsWith('email.')) return { ...base, data: e.details ?? {} };
  const data: MessageEventData = {
    message_id: e.message_id,
    recipient: m?.recipient ?? e.recipient ?? '',
    status: e.status ?? '',
    tags: m?.tags ?? [],
    metadata: m?.metadata ?? {},
    headers: m?.headers ?? {},
  };
  if (e.attempt !== undefined) data.attempt = e.attempt;
  if (e.smtp) {
    data.smtp = {
      code: e.smtp.code ?? null,
      enhanced_code: e.smtp.enhanced_code ?? null,
      response: e.smtp.response ?? null,
    };
  }
  if (e.bounce_type) data.bounce_type = e.bounce_type;
  if (e.bounce_category) data.bounce_category = e.bounce_category;
  if (e.reason) data.reason = e.reason;
  return { ...base, data };
}
