/** Shared by the re-drive workflow and its activities. */

export interface RedriveFilter {
  status: 'deferred' | 'unknown' | 'scheduled';
  recipientDomain?: string;
  /** The route of the last attempt (`last_smtp.route`). */
  route?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface RedriveBatchInput {
  projectId: string;
  filter: RedriveFilter;
  /** Walk position: messages are taken newest first, below this (created_at, id). */
  after?: { at: string; id: string };
  limit: number;
}

export interface RedriveBatch {
  messages: { messageId: string; workflowId: string }[];
  /** Where the next batch starts; absent when the walk is done. */
  next?: { at: string; id: string };
}

export interface RedriveProgress {
  matched: number;
  retried: number;
  /** Messages whose workflow refused (sending at that moment, or ended meanwhile). */
  refused: number;
}

export interface RedriveInput {
  projectId: string;
  filter: RedriveFilter;
  ratePerSecond: number;
  /** Carried over by continue-as-new. */
  after?: { at: string; id: string };
  progress?: RedriveProgress;
}
