/**
 * What the re-encryption workflow walks, in order: the secret collections, test captures,
 * message content, then the two GridFS buckets. Shared by the workflow and its activities.
 */
export const REENCRYPTION_TARGETS = [
  'domains',
  'routes',
  'webhooks',
  'test_deliveries',
  'messages',
  'attachments',
  'raw_mime',
] as const;

export type ReencryptionTarget = (typeof REENCRYPTION_TARGETS)[number];

export interface ReencryptionBatchInput {
  target: ReencryptionTarget;
  /** The last id the previous batch saw; ids are walked in order so a resumed run goes on. */
  after?: string;
  limit: number;
}

export interface ReencryptionBatchResult {
  rewritten: number;
  /** Where the next batch starts; absent when this target is done. */
  last?: string;
}

export interface ReencryptionProgress {
  /** Index into REENCRYPTION_TARGETS of the target being walked. */
  target: number;
  after?: string;
  rewritten: Partial<Record<ReencryptionTarget, number>>;
  batches: number;
}

export interface ReencryptionReport {
  current_key: string;
  rewritten: Partial<Record<ReencryptionTarget, number>>;
  /** Keys no stored value uses any more, removed from the database's key list. */
  retired_keys: string[];
  /** Targets still holding values under another key (a key this worker lacks): nothing retired. */
  remaining: ReencryptionTarget[];
}
