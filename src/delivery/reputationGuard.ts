import { hourlyCounts, INFRASTRUCTURE_BOUNCES } from '../analytics/hourlyCounts';
import type { Collections } from '../db/mongo';
import { recordAccountEvent } from '../events/accountEvents';
import type { WebhookWorkflows } from '../webhooks/fanOut';

export const REPUTATION_WINDOW_DAYS = 15;
export const REPUTATION_MINIMUM_SENT = 50;
export const DEFAULT_BOUNCE_RATE_THRESHOLD = 0.04;

export interface Reputation {
  sent: number;
  bounced: number;
  complained: number;
  rate: number | null;
  threshold: number;
}

/**
 * Bounces plus complaints over messages sent in the last 15 days (or `windowDays`; by the
 * hour), from the hourly counts: the same small read whatever the size of the event log.
 */
export async function projectReputation(
  c: Collections,
  projectId: string,
  now: Date,
  windowDays = REPUTATION_WINDOW_DAYS,
): Promise<Reputation> {
  const since = new Date(now.getTime() - windowDays * 86_400_000);
  const [hours, project] = await Promise.all([
    hourlyCounts(c, projectId, since, new Date(now.getTime() + 1)),
    c.projects.findOne({ _id: projectId }),
  ]);
  const total = (name: string) => [...hours.values()].reduce((n, h) => n + (h[name] ?? 0), 0);
  const sent = total('email.accepted');
  // Bounces because nobody could be reached (our relay down, a DNS outage) are not the list's fault.
  const bounced = total('email.bounced') - total(INFRASTRUCTURE_BOUNCES);
  const complained = total('email.complained');
  return {
    sent,
    bounced,
    complained,
    rate: sent ? (bounced + complained) / sent : null,
    threshold: project?.bounce_rate_threshold ?? DEFAULT_BOUNCE_RATE_THRESHOLD,
  };
}

/**
 * Pauses a project whose bounce rate reaches its threshold (with at least 50 sent). Accepted
 * messages keep flowing; new sends get 403 account_suspended until an admin resumes it.
 * Returns true when this call suspended the project; it also emits `account.suspended`.
 */
export async function enforceReputation(
  c: Collections,
  webhooks: WebhookWorkflows,
  projectId: string,
  now: Date,
): Promise<boolean> {
  const r = await projectReputation(c, projectId, now);
  if (r.sent < REPUTATION_MINIMUM_SENT || r.rate === null || r.rate < r.threshold) return false;
  const reason = `bounce rate ${(r.rate * 100).toFixed(1)}% over ${REPUTATION_WINDOW_DAYS} days exceeds ${(r.threshold * 100).toFixed(1)}%`;
  const result = await c.projects.updateOne(
    { _id: projectId, suspended_at: { $exists: false } },
    { $set: { suspended_at: now, suspended_reason: reason } },
  );
  if (result.modifiedCount !== 1) return false;
  await recordAccountEvent(c, webhooks, {
    projectId,
    type: 'account.suspended',
    key: String(now.getTime()),
    at: now,
    details: { reason },
  });
  return true;
}
