import type { PagePosition } from '../contracts/page';
import { ServiceError } from '../contracts/serviceError';
import { type MessageType, type SuppressionReason, suppressionBlocks } from '../contracts/statuses';
import type { SuppressionDoc } from '../db/documents';
import { isDuplicateKeyError } from '../db/duplicateKey';
import { INDEX } from '../db/indexNames';
import type { Collections } from '../db/mongo';
import { newestFirstPage } from '../db/pagination';
import { normalizeAddress } from '../messages/address';
import type { Clock } from '../messages/statusChanges';
import { erasedAddress } from '../privacy/erasedAddress';

export function suppressionId(projectId: string, recipient: string): string {
  return `${projectId}:${normalizeAddress(recipient)}`;
}

type Suppressed = { suppressed: true; reason: SuppressionReason };

export type SuppressionVerdict = Suppressed | { suppressed: false };

/** What the workflow learns before an attempt: stop for a suppression, or send, paced or not. */
export type SendCheck = Suppressed | { suppressed: false; paced: boolean };

export async function findBlockingSuppression(
  c: Collections,
  projectId: string,
  recipient: string,
  messageType: MessageType,
): Promise<SuppressionVerdict> {
  // An erased address is kept on the list as its keyed hash: look for both.
  const entry = await c.suppressions.findOne({
    _id: { $in: [suppressionId(projectId, recipient), `${projectId}:${await erasedAddress(c, recipient)}`] },
  });
  if (entry && suppressionBlocks(entry.reason, messageType))
    return { suppressed: true, reason: entry.reason };
  return { suppressed: false };
}

/**
 * Adds the address to the project's list. One entry per address: an existing entry keeps its
 * original reason and is returned with `created: false`.
 */
export async function addSuppression(
  c: Collections,
  clock: Clock,
  entry: { projectId: string; recipient: string; reason: SuppressionReason; sourceMessageId?: string },
): Promise<{ entry: SuppressionDoc; created: boolean }> {
  const doc: SuppressionDoc = {
    _id: suppressionId(entry.projectId, entry.recipient),
    project_id: entry.projectId,
    recipient: normalizeAddress(entry.recipient),
    reason: entry.reason,
    ...(entry.sourceMessageId ? { source_message_id: entry.sourceMessageId } : {}),
    created_at: clock.now(),
  };
  try {
    await c.suppressions.insertOne(doc);
    return { entry: doc, created: true };
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const existing = await c.suppressions.findOne({ _id: doc._id });
    return { entry: existing ?? doc, created: false };
  }
}

/** The entry that blocks mail to this address, or `not_found`. */
export async function getSuppression(
  c: Collections,
  projectId: string,
  recipient: string,
): Promise<SuppressionDoc> {
  // An erased address is kept on the list as its keyed hash: look for both.
  const entry = await c.suppressions.findOne({
    _id: { $in: [suppressionId(projectId, recipient), `${projectId}:${await erasedAddress(c, recipient)}`] },
  });
  if (!entry) throw new ServiceError('not_found', `${normalizeAddress(recipient)} is not on the list.`);
  return entry;
}

/** A newest-first page of the project's list, optionally of one reason. */
export function listSuppressions(
  c: Collections,
  projectId: string,
  reason: SuppressionReason | undefined,
  page: { limit: number; cursor?: PagePosition },
) {
  return newestFirstPage(
    c.suppressions,
    { project_id: projectId, ...(reason ? { reason } : {}) },
    { ...page, index: reason ? INDEX.suppressionsByReason : INDEX.suppressionsNewest },
  );
}

/**
 * Takes the address off the list. Through the unsubscribe list (`onlyReason`), an entry with
 * a stronger reason (a bounce, a complaint, a manual block) is refused, not silently lifted.
 */
export async function removeSuppression(
  c: Collections,
  projectId: string,
  recipient: string,
  onlyReason?: SuppressionReason,
): Promise<void> {
  const entry = await getSuppression(c, projectId, recipient);
  if (onlyReason && entry.reason !== onlyReason)
    throw new ServiceError(
      'validation_failed',
      `${entry.recipient} is suppressed as ${entry.reason}, not unsubscribed; remove it through /v1/suppressions.`,
    );
  await c.suppressions.deleteOne({ _id: entry._id });
}
