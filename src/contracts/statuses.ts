/** Message statuses (docs/http-contract.md), in the order a message normally walks them. */
export const MESSAGE_STATUSES = [
  'scheduled',
  'queued',
  'accepted',
  'deferred',
  'unknown',
  'delivered',
  'bounced',
  'suppressed',
  'cancelled',
  'complained',
  'failed',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Statuses after which no further delivery attempt happens. */
export const FINAL_STATUSES: readonly MessageStatus[] = [
  'delivered',
  'bounced',
  'suppressed',
  'cancelled',
  'complained',
  'failed',
];

export type EventType = `email.${MessageStatus}`;

/** Events about the project or an endpoint rather than a message. */
export const ACCOUNT_EVENT_TYPES = [
  'account.suspended',
  'account.review_flagged',
  'account.tier_upgraded',
  'webhook.disabled',
] as const;
export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number];

export const eventTypeFor = (status: MessageStatus): EventType => `email.${status}`;

export const SUPPRESSION_REASONS = ['user_unsubscribed', 'hard_bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export const MESSAGE_TYPES = ['transactional', 'marketing'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Unsubscribes only block marketing mail; every other reason blocks all mail. */
export function suppressionBlocks(reason: SuppressionReason, type: MessageType): boolean {
  return reason !== 'user_unsubscribed' || type === 'marketing';
}
