import { eventTypeFor, FINAL_STATUSES, type MessageStatus } from '../contracts/statuses';
import type { EventDoc, MessageDoc, SmtpResult } from '../db/documents';
import type { Collections } from '../db/mongo';
import { bounceCategory } from '../delivery/bounceCategory';
import { appendEvent, type NewEvent } from '../events/eventLog';
import { purgeContentIfDue } from '../privacy/retention';

export interface StatusChange {
  messageId: string;
  projectId: string;
  recipient: string;
  status: MessageStatus;
  attempt?: number;
  smtp?: SmtpResult;
  bounceType?: 'hard' | 'soft';
  reason?: string;
  nextAttemptAt?: string;
  /** When the workflow decided the change (workflow time, ISO 8601); defaults to now. */
  at?: string;
  /** The message was stored in this status at acceptance: only its event is recorded. */
  statusStored?: boolean;
  /** Tells apart events of a status that may recur at one attempt (a reconciler's restarts). */
  occurrence?: string;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Deterministic event id: a retried activity rewrites the same event instead of adding one. */
export function eventId(
  messageId: string,
  status: MessageStatus,
  attempt?: number,
  occurrence?: string,
): string {
  return `${messageId}:${eventTypeFor(status)}:${attempt ?? 0}${occurrence ? `:${occurrence}` : ''}`;
}

export function buildEvent(change: StatusChange, at: Date): NewEvent {
  const event: NewEvent = {
    _id: eventId(change.messageId, change.status, change.attempt, change.occurrence),
    project_id: change.projectId,
    message_id: change.messageId,
    recipient: change.recipient,
    type: eventTypeFor(change.status),
    status: change.status,
    created_at: at,
  };
  if (change.attempt !== undefined) event.attempt = change.attempt;
  if (change.smtp) event.smtp = change.smtp;
  if (change.bounceType) event.bounce_type = change.bounceType;
  if (change.status === 'bounced') event.bounce_category = bounceCategory(change.smtp);
  if (change.reason) event.reason = change.reason;
  if (change.nextAttemptAt) event.next_attempt_at = new Date(change.nextAttemptAt);
  return event;
}

/**
 * Moves the message to its new status and appends its timeline event; safe to repeat.
 * Returns the event so the caller can fan it out to webhooks.
 */
export async function writeStatus(c: Collections, clock: Clock, change: StatusChange): Promise<EventDoc> {
  const now = change.at ? new Date(change.at) : clock.now();
  // next_attempt_at is what the reconciler compares with the clock to find an overdue wait.
  const set: Partial<MessageDoc> = {
    status: change.status,
    updated_at: now,
    next_attempt_at: change.nextAttemptAt ? new Date(change.nextAttemptAt) : null,
  };
  if (change.attempt !== undefined) set.attempts = change.attempt;
  if (change.smtp) set.last_smtp = change.smtp;
  if (change.bounceType) set.bounce_type = change.bounceType;
  if (change.status === 'bounced') set.bounce_category = bounceCategory(change.smtp);
  if (change.reason) set.reason = change.reason;
  if (change.status === 'delivered') set.delivered_at = now;
  // Event first: whoever sees the message in its new status finds that status in its timeline.
  // Webhooks are fanned out by the caller after both writes.
  const { event } = await appendEvent(c, buildEvent(change, now));
  if (!change.statusStored) await c.messages.updateOne({ _id: change.messageId }, { $set: set });
  if (FINAL_STATUSES.includes(change.status)) await purgeContentIfDue(c, change.messageId, now);
  return event;
}
