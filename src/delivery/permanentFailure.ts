/**
 * Why a message can never be sent, whatever the next attempt does: data or configuration the
 * engine cannot act on. The workflow ends such a message `failed` instead of deferring it.
 */
export const PERMANENT_FAILURE_REASONS = [
  'message_not_found',
  'attachment_not_found',
  'raw_mime_not_found',
  'route_misconfigured',
  'dkim_key_invalid',
] as const;
export type PermanentFailureReason = (typeof PERMANENT_FAILURE_REASONS)[number];

export class PermanentDeliveryError extends Error {
  constructor(
    readonly reason: PermanentFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}
