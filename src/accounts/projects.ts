import type { z } from 'zod';
import type { Config } from '../config';
import type { accountSettingsSchema } from '../contracts/analyticsSchemas';
import { ServiceError } from '../contracts/serviceError';
import type { ProjectDoc } from '../db/documents';
import type { Collections } from '../db/mongo';
import { domainOf, parseMailbox } from '../messages/address';
import { retentionOf } from '../privacy/retention';
import { findSenderDomain } from '../senderDomains/senderDomains';

export function findProject(c: Collections, projectId: string): Promise<ProjectDoc | null> {
  return c.projects.findOne({ _id: projectId });
}

/**
 * The settings a project's admin may change: the bounce-plus-complaint rate above which the
 * reputation guard suspends the project, and the default sender (on a verified domain; null
 * removes it).
 */
export async function updateAccountSettings(
  config: Config,
  c: Collections,
  projectId: string,
  settings: z.infer<typeof accountSettingsSchema>,
): Promise<void> {
  const set: Partial<ProjectDoc> = {};
  const unset: Record<string, ''> = {};
  if (settings.bounce_rate_threshold !== undefined)
    set.bounce_rate_threshold = settings.bounce_rate_threshold;
  if (settings.default_from === null) unset.default_from = '';
  else if (settings.default_from !== undefined) {
    const domain = domainOf((parseMailbox(settings.default_from) as { address: string }).address);
    if (!(await findSenderDomain(config, c, projectId, domain)).verified)
      throw new ServiceError('domain_not_verified', `The sender domain ${domain} is not verified.`, [
        { field: 'default_from', message: 'domain not verified' },
      ]);
    set.default_from = settings.default_from;
  }
  const retention = retentionChange(await findProject(c, projectId), settings);
  if (retention) set.retention = retention;
  const update = {
    ...(Object.keys(set).length ? { $set: set } : {}),
    ...(Object.keys(unset).length ? { $unset: unset } : {}),
  };
  if (Object.keys(update).length) await c.projects.updateOne({ _id: projectId }, update);
}

/** Lifts a suspension by the reputation guard. */
export async function resumeProject(c: Collections, projectId: string): Promise<void> {
  await c.projects.updateOne({ _id: projectId }, { $unset: { suspended_at: '', suspended_reason: '' } });
}

/** The project's retention with the request's changes, or undefined when it names none. */
function retentionChange(
  project: ProjectDoc | null,
  settings: z.infer<typeof accountSettingsSchema>,
): ProjectDoc['retention'] {
  const { content_retention_days, metadata_retention_days, store_content } = settings;
  if (
    content_retention_days === undefined &&
    metadata_retention_days === undefined &&
    store_content === undefined
  )
    return undefined;
  const next = {
    ...retentionOf(project),
    ...(content_retention_days !== undefined ? { content_retention_days } : {}),
    ...(metadata_retention_days !== undefined ? { metadata_retention_days } : {}),
    ...(store_content !== undefined ? { store_content } : {}),
  };
  if (next.metadata_retention_days < next.content_retention_days)
    throw new ServiceError(
      'validation_failed',
      `metadata_retention_days (${next.metadata_retention_days}) cannot be less than content_retention_days (${next.content_retention_days}): a message cannot outlive its records.`,
      [{ field: 'metadata_retention_days', message: 'less than content_retention_days' }],
    );
  return next;
}
