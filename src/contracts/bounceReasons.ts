/**
 * Why a message bounced soft after its last rung. Only `retries_exhausted` (the receiving
 * server kept answering 4xx) says something about the recipient; the other two mean no
 * server could be reached or asked, which is our infrastructure or the network, and they
 * never count toward the reputation guard.
 */
export const SOFT_BOUNCE_REASONS = [
  'retries_exhausted',
  'destination_unreachable',
  'dns_unavailable',
] as const;
export type SoftBounceReason = (typeof SOFT_BOUNCE_REASONS)[number];

/** Soft-bounce reasons that are not the recipient's doing. */
export const INFRASTRUCTURE_BOUNCE_REASONS: readonly SoftBounceReason[] = [
  'destination_unreachable',
  'dns_unavailable',
];

/** From the last attempt's answer: no SMTP code but a network error means nobody answered. */
export function softBounceReason(last: { code?: number; error_code?: string }): SoftBounceReason {
  if (last.code !== undefined) return 'retries_exhausted';
  if (last.error_code === 'EDNS') return 'dns_unavailable';
  return last.error_code ? 'destination_unreachable' : 'retries_exhausted';
}

/** What kind of refusal a bounce was, for people deciding what to do about the address. */
export const BOUNCE_CATEGORIES = [
  'unknown_user',
  'mailbox_full',
  'mailbox_disabled',
  'bad_domain',
  'policy',
  'message_too_large',
  'unreachable',
  'other',
] as const;
export type BounceCategory = (typeof BOUNCE_CATEGORIES)[number];
