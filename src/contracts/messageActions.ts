/**
 * Operators' actions on a message's workflow (Temporal Updates): names, answers and refusals.
 * Shared by the workflow, which decides, and the API, which asks.
 */
export const MESSAGE_UPDATES = {
  retryNow: 'retryNow',
  reroute: 'reroute',
  cancel: 'cancel',
} as const;

/** Where the workflow stands, as the actions see it. */
export type MessagePhase = 'storing' | 'scheduled' | 'sending' | 'waiting' | 'final';

/** The reconciler's retries say why; the API's carry nothing. */
export interface RetryNowRequest {
  reason?: string;
}

export interface RetryNowAnswer {
  /** The attempt that starts now. */
  attempt: number;
}

export interface RerouteAnswer {
  route: string;
}

/** `cancelled` once recorded; `cancel_requested` while an attempt is still under way. */
export type CancelAnswer = 'cancelled' | 'cancel_requested';

/** ApplicationFailure types an Update is refused with; the API maps each to its error. */
export const ACTION_REFUSED = {
  /** Not waiting between attempts (queued, sending, scheduled, or final). */
  notWaiting: 'not_waiting_for_retry',
  /** Already delivered, bounced, failed, …: nothing left to act on. */
  final: 'already_final',
  /** A workflow recorded before these actions existed. */
  unsupported: 'actions_not_supported',
  /** The route named is not one of the project's. */
  unknownRoute: 'route_not_found',
} as const;
