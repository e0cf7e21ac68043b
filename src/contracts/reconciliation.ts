/** Shared by the reconciler workflow and its activities. */

/** Unfinished statuses the reconciler walks, one after another. */
export type ReconciledStatus = 'scheduled' | 'queued' | 'accepted' | 'deferred' | 'unknown';

export interface ReconcilePosition {
  status: ReconciledStatus;
  /** Within the status: messages are taken oldest change first, after this (updated_at, id). */
  at?: string;
  id?: string;
}

export interface ReconcileBatchInput {
  position: ReconcilePosition;
  limit: number;
  /** Messages unchanged for less than this are left alone; overdue means late by this much. */
  marginMs: number;
}

export interface ReconcileCounts {
  /** Unfinished messages quiet for the margin, whose workflow was looked up. */
  checked: number;
  /** Running workflows with an overdue wait, asked to attempt now. */
  pushed: number;
  /** Deliveries started again after their workflow failed, timed out or was lost. */
  restarted: number;
  /** Messages given the final status their closed workflow implies. */
  finished: number;
  /** Running workflows with an overdue wait that did not answer (no worker, failing tasks). */
  stuck: number;
}

export interface ReconcileBatch {
  counts: ReconcileCounts;
  /** Where the next batch of this status starts; absent when the status is done. */
  next?: ReconcilePosition;
}

export interface ReconcileInput {
  marginMs: number;
  batchSize: number;
  /** Carried over by continue-as-new. */
  position?: ReconcilePosition;
  counts?: ReconcileCounts;
}
