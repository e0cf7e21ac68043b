import type { z } from 'zod';
import type { deliveryPolicyViewSchema } from '../contracts/deliveryPolicySchemas';
import type { DeliveryPolicyDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { formatDuration, parseRetrySchedule } from './retrySchedule';

export type PacingLimits = Record<string, { per_second?: number; concurrent?: number }>;

export interface EffectivePolicy {
  retryScheduleMs: number[];
  pacing: PacingLimits;
  ipPool?: string;
  source: 'default' | 'project';
  updatedAt: Date | null;
}

/** The project's policy, or the operator defaults (SENDFLOW_RETRY_SCHEDULE, no pacing). */
export async function effectivePolicy(
  c: Collections,
  projectId: string,
  defaultScheduleMs: number[],
): Promise<EffectivePolicy> {
  const doc = await c.deliveryPolicies.findOne({ _id: projectId });
  if (!doc) return { retryScheduleMs: defaultScheduleMs, pacing: {}, source: 'default', updatedAt: null };
  return {
    retryScheduleMs: parseRetrySchedule(doc.retry_schedule.join(',')),
    pacing: Object.fromEntries(doc.pacing.map(({ domain, ...limit }) => [domain, limit])),
    ipPool: doc.ip_pool,
    source: 'project',
    updatedAt: doc.updated_at,
  };
}

export function pacingToDocument(pacing: PacingLimits): DeliveryPolicyDoc['pacing'] {
  return Object.entries(pacing).map(([domain, limit]) => ({ domain, ...limit }));
}

export function policyView(p: EffectivePolicy): z.infer<typeof deliveryPolicyViewSchema> {
  return {
    retry_schedule: p.retryScheduleMs.map(formatDuration),
    pacing: p.pacing,
    ip_pool: p.ipPool ?? null,
    max_attempts: p.retryScheduleMs.length + 1,
    source: p.source,
    updated_at: p.updatedAt?.toISOString() ?? null,
  };
}

/** Replaces the project's policy; its retry schedule applies to messages accepted afterwards. */
export async function saveDeliveryPolicy(
  c: Collections,
  projectId: string,
  policy: { retry_schedule: string[]; pacing: PacingLimits; ip_pool?: string },
): Promise<void> {
  await c.deliveryPolicies.replaceOne(
    { _id: projectId },
    {
      retry_schedule: policy.retry_schedule,
      pacing: pacingToDocument(policy.pacing),
      ...(policy.ip_pool ? { ip_pool: policy.ip_pool } : {}),
      updated_at: new Date(),
    },
    { upsert: true },
  );
}
