import type { z } from 'zod';
import { findProject, resumeProject, updateAccountSettings } from '../../accounts/projects';
import { effectivePlan, quotaUse, sentOn } from '../../accounts/sendingPlan';
import type { Config } from '../../config';
import { accountSchema, accountSettingsSchema } from '../../contracts/analyticsSchemas';
import type { Collections } from '../../db/mongo';
import {
  projectReputation,
  REPUTATION_MINIMUM_SENT,
  REPUTATION_WINDOW_DAYS,
} from '../../delivery/reputationGuard';
import { retentionOf } from '../../privacy/retention';
import { type RouteSpec, route } from '../routeSpec';

async function accountView(c: Collections, projectId: string): Promise<z.infer<typeof accountSchema>> {
  const now = new Date();
  const project = await findProject(c, projectId);
  const plan = effectivePlan(project);
  const [r, use, sentToday] = await Promise.all([
    projectReputation(c, projectId, now),
    quotaUse(c, projectId, plan, now),
    sentOn(c, projectId, now),
  ]);
  return {
    project_id: projectId,
    status: project?.suspended_at ? ('suspended' as const) : ('active' as const),
    suspended_reason: project?.suspended_reason ?? null,
    suspended_at: project?.suspended_at?.toISOString() ?? null,
    default_from: project?.default_from ?? null,
    data_retention: retentionOf(project),
    plan: {
      tier: plan.tier,
      rate_limit_per_minute: plan.rate_limit_per_minute,
      daily_guideline: plan.daily_guideline,
      daily_quota: use.daily,
      monthly_quota: use.monthly,
      contact_limit: plan.contact_limit,
      transactional_enabled: plan.transactional_enabled,
      sent_today: sentToday,
      review: project?.review
        ? { flagged_at: project.review.flagged_at.toISOString(), reason: project.review.reason }
        : null,
    },
    reputation: {
      window_days: REPUTATION_WINDOW_DAYS,
      sent: r.sent,
      bounced: r.bounced,
      complained: r.complained,
      bounce_rate: r.rate,
      threshold: r.threshold,
      minimum_sent: REPUTATION_MINIMUM_SENT,
    },
  };
}

/** The project's standing with the reputation guard, its threshold, and lifting a suspension. */
export function accountRoutes(c: Collections, config: Config): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/account',
      operationId: 'getAccount',
      tag: 'Account',
      summary: 'Project status and the bounce rate the reputation guard watches',
      scope: 'read',
      responses: { 200: { description: 'The account', schema: accountSchema } },
      async handler({ auth }) {
        return { body: await accountView(c, auth.projectId) };
      },
    }),
    route({
      method: 'put',
      path: '/v1/account/settings',
      operationId: 'putAccountSettings',
      tag: 'Account',
      summary:
        'Set the bounce-rate threshold of the reputation guard (default 0.04), the default sender and data retention',
      scope: 'admin',
      body: accountSettingsSchema,
      responses: { 200: { description: 'The account', schema: accountSchema } },
      async handler({ body, auth }) {
        await updateAccountSettings(config, c, auth.projectId, body);
        return { body: await accountView(c, auth.projectId) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/account/resume',
      operationId: 'resumeAccount',
      tag: 'Account',
      summary: 'Lift a suspension by the reputation guard',
      scope: 'admin',
      responses: { 200: { description: 'The account', schema: accountSchema } },
      async handler({ auth }) {
        await resumeProject(c, auth.projectId);
        return { body: await accountView(c, auth.projectId) };
      },
    }),
  ];
}
