/** Input of the deliverMessage workflow: ids and policy only, never bodies. */
export interface DeliverMessageInput {
  messageId: string;
  projectId: string;
  /** ISO 8601; the workflow sleeps until then. */
  scheduledTime?: string;
  /** When the API accepted the message (ISO 8601): the time of its first event. */
  acceptedAt?: string;
  /** Delays in ms between attempts; attempts = delays + 1. Fixed at accept time. */
  retryScheduleMs: number[];
}

export const DELIVER_MESSAGE_WORKFLOW = 'deliverMessage';
