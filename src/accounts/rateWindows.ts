import type { Collection } from 'mongodb';
import type { NumberedTokenDoc } from '../db/documents';
import { takeNumber } from '../db/numberedTokens';

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 1000;
const WINDOW_MS = 60_000;

export interface WindowCount {
  limit: number;
  /** This request's number in the window, starting at 1. */
  count: number;
  remaining: number;
  /** End of the window, epoch milliseconds. */
  resetAt: number;
  retryAfterSeconds: number;
  exceeded: boolean;
}

/**
 * Fixed one-minute windows counted in MongoDB, so every API and relay process shares one exact
 * count per key. Windows expire; servers without TTL indexes keep them, so each counter sweeps
 * expired ones about once a window.
 */
export function createRateCounter(
  windows: Collection<NumberedTokenDoc>,
  now: () => number = Date.now,
): (bucket: string, limit: number) => Promise<WindowCount> {
  let lastPrune = 0;
  return async (bucket, limit) => {
    const t = now();
    const windowStart = t - (t % WINDOW_MS);
    const resetAt = windowStart + WINDOW_MS;
    const count = await takeNumber(windows, `${bucket}:${windowStart}`, new Date(resetAt + WINDOW_MS));
    if (t - lastPrune > WINDOW_MS) {
      lastPrune = t;
      await windows.deleteMany({ expires_at: { $lt: new Date(t) } });
    }
    return {
      limit,
      count,
      remaining: Math.max(0, limit - count),
      resetAt,
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - t) / 1000)),
      exceeded: count > limit,
    };
  };
}
