/** What never changes about a message: every step takes it from the workflow input, not a read. */
export interface MessageRef {
  messageId: string;
  projectId: string;
  recipient: string;
  recipientDomain: string;
  messageType: 'transactional' | 'marketing';
}

/** Input of the deliverMessage workflow: ids, routing facts and policy, never bodies. */
export interface DeliverMessageInput extends MessageRef {
  /** ISO 8601; the workflow sleeps until then. */
  scheduledTime?: string;
  /** When the API accepted the message (ISO 8601): the time of its first event. */
  acceptedAt?: string;
  /** Delays in ms between attempts; attempts = delays + 1. Fixed at accept time. */
  retryScheduleMs: number[];
  /** Set when the reconciler starts a lost delivery again: the attempts made so far, and why. */
  resume?: { afterAttempt: number; reason: string };
}
