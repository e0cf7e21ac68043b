import type { z } from 'zod';
import { findProject, resumeProject, setBounceRateThreshold } from '../../accounts/projects';
import { accountSchema, accountSettingsSchema } from '../../contracts/analyticsSchemas';
import type { Collections } from '../../db/mongo';
import {
  projectReputation,
  REPUTATION_MINIMUM_SENT,
  REPUTATION_WINDOW_DAYS,
} from '../../delivery/reputationGuard';
import { type RouteSpec, route } from '../routeSpec';

async function accountView(c: Collections, projectId: string): Promise<z.infer<typeof accountSchema>> {
  const [project, r] = await Promise.all([
    findProject(c, projectId),
    projectReputation(c, projectId, new Date()),
  ]);
  return {
    project_id: projectId,
    status: project?.suspended_at ? ('suspended' as const) : ('active' as const),
    suspended_reason: project?.suspended_reason ?? null,
    suspended_at: project?.suspended_at?.toISOString() ?? null,
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
export function accountRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/account',
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
      tag: 'Account',
      summary: 'Set the bounce-rate threshold of the reputation guard (default 0.04)',
      scope: 'admin',
      body: accountSettingsSchema,
      responses: { 200: { description: 'The account', schema: accountSchema } },
      async handler({ body, auth }) {
        await setBounceRateThreshold(c, auth.projectId, body.bounce_rate_threshold);
        return { body: await accountView(c, auth.projectId) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/account/resume',
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
