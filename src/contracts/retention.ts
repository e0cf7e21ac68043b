/** Shared by the purge workflow and its activities (README "Data protection"). */

/** What one project keeps, and since when (ISO times computed by the activity's clock). */
export interface RetentionPlanEntry {
  projectId: string;
  /** Final messages created before this lose their bodies, attachments and MIME. */
  contentBefore: string;
  /** Final messages created before this are deleted with their events and deliveries. */
  metadataBefore: string;
}

/** Where a content purge goes on: messages created at `at`, except `ids`, and after. */
export interface PurgeCursor {
  at: string;
  ids: string[];
}

export interface PurgeBatchInput {
  projectId: string;
  before: string;
  limit: number;
  /** Absent on a project's first batch: it starts where the last run ended. */
  cursor?: PurgeCursor;
}

export interface PurgeBatchResult {
  messages: number;
  files: number;
  /** Events, webhook deliveries, test captures and inbound reports removed with them. */
  records: number;
  /** False once nothing older is left to purge. */
  more: boolean;
  /** Where the next batch starts. */
  cursor?: PurgeCursor;
}

export interface RetentionReport {
  projects: number;
  content: { messages: number; files: number };
  metadata: { messages: number; records: number };
}
