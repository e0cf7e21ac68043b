import { hourlyCounts } from '../analytics/hourlyCounts';
import { ServiceError } from '../contracts/serviceError';
import type { ProjectDoc, ProjectPlan, Tier } from '../db/documents';
import type { Collections } from '../db/mongo';
import { projectReputation } from '../delivery/reputationGuard';
import { recordAccountEvent } from '../events/accountEvents';
import type { WebhookWorkflows } from '../webhooks/fanOut';
import { DEFAULT_RATE_LIMIT_PER_MINUTE } from './rateWindows';

/** Daily sends past which a project is flagged for review (never refused). */
export const DAILY_GUIDELINE: Record<Tier, number> = { new: 500, trusted: 5000 };

/** What a `new` project needs to become `trusted`, checked on its first send of a day. */
export const TIER_UPGRADE = { minAgeDays: 14, minSent30Days: 100, maxBounceRate: 0.02 } as const;

const DAY_MS = 86_400_000;
// How often one process looks at today's sends for the guideline: it flags, it never refuses.
const GUIDELINE_CHECK_MS = 30_000;
// How long one process trusts a plan's rate limit it read (operators change plans rarely).
const PLAN_CACHE_MS = 30_000;

export interface EffectivePlan {
  tier: Tier;
  rate_limit_per_minute: number;
  daily_guideline: number;
  daily_quota: number | null;
  monthly_quota: number | null;
  contact_limit: number | null;
  transactional_enabled: boolean;
}

export function effectivePlan(project: Pick<ProjectDoc, 'plan'> | null): EffectivePlan {
  const plan: ProjectPlan = project?.plan ?? {};
  const tier = plan.tier ?? 'new';
  return {
    tier,
    rate_limit_per_minute: plan.rate_limit_per_minute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
    daily_guideline: DAILY_GUIDELINE[tier],
    daily_quota: plan.daily_quota ?? null,
    monthly_quota: plan.monthly_quota ?? null,
    contact_limit: plan.contact_limit ?? null,
    transactional_enabled: plan.transactional_enabled ?? true,
  };
}

const planCache = new Map<string, { at: number; limit: number }>();

/**
 * The requests-per-minute limit of a project's plan, for keys without their own; read at most
 * every half minute per process, so the request path does not pay a read for it.
 */
export async function projectRateLimit(c: Collections, projectId: string): Promise<number> {
  const cached = planCache.get(projectId);
  if (cached && Date.now() - cached.at < PLAN_CACHE_MS) return cached.limit;
  const project = await c.projects.findOne({ _id: projectId }, { projection: { plan: 1 } });
  const limit = effectivePlan(project).rate_limit_per_minute;
  planCache.set(projectId, { at: Date.now(), limit });
  return limit;
}

const dayOf = (at: Date) => at.toISOString().slice(0, 10);
const monthStart = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));

/** Messages the project had accepted (queued or scheduled) since `since`, from the hourly counts. */
async function acceptedSince(c: Collections, projectId: string, since: Date, now: Date): Promise<number> {
  const hours = await hourlyCounts(c, projectId, since, new Date(now.getTime() + 1));
  let n = 0;
  for (const h of hours.values()) n += (h['email.queued'] ?? 0) + (h['email.scheduled'] ?? 0);
  return n;
}

/** Messages accepted so far on the UTC day of `now`. */
export function sentOn(c: Collections, projectId: string, now: Date): Promise<number> {
  return acceptedSince(c, projectId, new Date(`${dayOf(now)}T00:00:00.000Z`), now);
}

export interface QuotaUse {
  daily: { quota: number; used: number } | null;
  monthly: { quota: number; used: number } | null;
  /** Sends left today under both quotas; null without quotas. */
  remaining: number | null;
}

export async function quotaUse(
  c: Collections,
  projectId: string,
  plan: EffectivePlan,
  now: Date,
): Promise<QuotaUse> {
  const day = new Date(`${dayOf(now)}T00:00:00.000Z`);
  const [today, month] = await Promise.all([
    plan.daily_quota !== null ? acceptedSince(c, projectId, day, now) : null,
    plan.monthly_quota !== null ? acceptedSince(c, projectId, monthStart(now), now) : null,
  ]);
  const daily = plan.daily_quota !== null ? { quota: plan.daily_quota, used: today ?? 0 } : null;
  const monthly = plan.monthly_quota !== null ? { quota: plan.monthly_quota, used: month ?? 0 } : null;
  const left = [daily, monthly].filter((q) => q !== null).map((q) => Math.max(0, q.quota - q.used));
  return { daily, monthly, remaining: left.length ? Math.min(...left) : null };
}

/** The refusal when a hard quota leaves fewer sends than a request asks for. */
function quotaExceeded(requested: number, remaining: number, period: 'daily' | 'monthly'): ServiceError {
  return new ServiceError(
    'quota_exceeded',
    remaining === 0
      ? `The project's ${period} sending quota is used up; it resets at the start of the next ${period === 'daily' ? 'day' : 'month'} (UTC).`
      : `This request has ${requested} recipients but only ${remaining} sends are left in the project's ${period} quota.`,
  );
}

/**
 * Refuses a request for `count` messages that the project's hard quotas cannot take. Counts
 * come from the hourly counts, so sends accepted in the same instant may overshoot a quota by
 * the few still being counted.
 */
export async function assertQuotaAllows(
  c: Collections,
  projectId: string,
  plan: EffectivePlan,
  count: number,
  now: Date,
): Promise<void> {
  if (plan.daily_quota === null && plan.monthly_quota === null) return;
  const use = await quotaUse(c, projectId, plan, now);
  for (const [period, q] of [
    ['daily', use.daily],
    ['monthly', use.monthly],
  ] as const) {
    if (q && q.quota - q.used < count) throw quotaExceeded(count, Math.max(0, q.quota - q.used), period);
  }
}

const lastGuidelineCheck = new Map<string, number>();

/**
 * The checks a send triggers at most once in a while: on the first send of a UTC day the
 * automatic upgrade from `new` to `trusted`, and every half minute per process whether today's
 * sends crossed the tier's guideline (which flags the project for review and emits an event;
 * it never refuses mail).
 */
export async function reviewSendingPlan(
  c: Collections,
  webhooks: WebhookWorkflows,
  project: ProjectDoc,
  now: Date,
): Promise<void> {
  const last = lastGuidelineCheck.get(project._id) ?? 0;
  const today = dayOf(now);
  if (now.getTime() - last < GUIDELINE_CHECK_MS && project.tier_checked_day === today) return;
  lastGuidelineCheck.set(project._id, now.getTime());
  let plan = effectivePlan(project);
  if (plan.tier === 'new' && project.tier_checked_day !== today) {
    if (await upgradeTier(c, webhooks, project, now))
      plan = { ...plan, tier: 'trusted', daily_guideline: DAILY_GUIDELINE.trusted };
  }
  if (project.review?.day === today) return;
  const sentToday = await acceptedSince(c, project._id, new Date(`${today}T00:00:00.000Z`), now);
  if (sentToday <= plan.daily_guideline) return;
  const reason = `${sentToday} messages on ${today} crossed the ${plan.tier} tier's daily guideline of ${plan.daily_guideline}`;
  const flagged = await c.projects.updateOne(
    { _id: project._id, 'review.day': { $ne: today } },
    { $set: { review: { flagged_at: now, day: today, reason } } },
  );
  if (flagged.modifiedCount !== 1) return;
  await recordAccountEvent(c, webhooks, {
    projectId: project._id,
    type: 'account.review_flagged',
    key: today,
    at: now,
    details: { reason, tier: plan.tier },
  });
}

/** The daily upgrade check; only the first send of the day (across processes) runs it. */
async function upgradeTier(
  c: Collections,
  webhooks: WebhookWorkflows,
  project: ProjectDoc,
  now: Date,
): Promise<boolean> {
  const today = dayOf(now);
  const claimed = await c.projects.updateOne(
    { _id: project._id, tier_checked_day: { $ne: today } },
    { $set: { tier_checked_day: today } },
  );
  if (claimed.modifiedCount !== 1) return false;
  const ageDays = (now.getTime() - project.created_at.getTime()) / DAY_MS;
  if (ageDays < TIER_UPGRADE.minAgeDays || project.suspended_at) return false;
  // Counted as the reputation guard counts, over 30 days.
  const { sent, rate } = await projectReputation(c, project._id, now, 30);
  if (sent < TIER_UPGRADE.minSent30Days || (rate ?? 0) >= TIER_UPGRADE.maxBounceRate) return false;
  await c.projects.updateOne({ _id: project._id }, { $set: { 'plan.tier': 'trusted' } });
  await recordAccountEvent(c, webhooks, {
    projectId: project._id,
    type: 'account.tier_upgraded',
    key: today,
    at: now,
    details: {
      tier: 'trusted',
      reason: `${sent} sent in 30 days, bounce rate ${((rate ?? 0) * 100).toFixed(1)}%`,
    },
  });
  return true;
}
