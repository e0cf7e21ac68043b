import { type MessageType, type SuppressionReason, suppressionBlocks } from '../contracts/statuses';
import { isDuplicateKeyError } from '../db/duplicateKey';
import type { Collections } from '../db/mongo';
import { normalizeAddress } from '../messages/address';
import type { Clock } from '../messages/statusChanges';

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
  const entry = await c.suppressions.findOne({ _id: suppressionId(projectId, recipient) });
  if (entry && suppressionBlocks(entry.reason, messageType))
    return { suppressed: true, reason: entry.reason };
  return { suppressed: false };
}

/** Adds the address to the project's list; an existing entry keeps its original reason. */
export async function addSuppression(
  c: Collections,
  clock: Clock,
  entry: { projectId: string; recipient: string; reason: SuppressionReason; sourceMessageId?: string },
): Promise<void> {
  try {
    await c.suppressions.insertOne({
      _id: suppressionId(entry.projectId, entry.recipient),
      project_id: entry.projectId,
      recipient: normalizeAddress(entry.recipient),
      reason: entry.reason,
      ...(entry.sourceMessageId ? { source_message_id: entry.sourceMessageId } : {}),
      created_at: clock.now(),
    });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
}
