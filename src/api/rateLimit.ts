import type { RequestHandler } from 'express';
import type { Collection } from 'mongodb';
import { ServiceError } from '../contracts/serviceError';
import type { NumberedTokenDoc } from '../db/documents';
import { takeNumber } from '../db/numberedTokens';
import { requestContext } from './requestContext';

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 1000;
const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows counted in MongoDB, so every API process shares one exact count
 * per key (requests without a valid key are counted per client address).
 */
export function rateLimit(
  windows: Collection<NumberedTokenDoc>,
  now: () => number = Date.now,
): RequestHandler {
  let lastPrune = 0;
  return async (req, res, next) => {
    try {
      const auth = requestContext(res).auth;
      const bucket = auth ? `key:${auth.keyId}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
      const limit = auth?.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
      const t = now();
      const windowStart = t - (t % WINDOW_MS);
      const resetAt = windowStart + WINDOW_MS;
      const count = await takeNumber(windows, `${bucket}:${windowStart}`, new Date(resetAt + WINDOW_MS));
      if (t - lastPrune > WINDOW_MS) {
        // Servers without TTL indexes keep expired windows; any process may sweep them.
        lastPrune = t;
        await windows.deleteMany({ expires_at: { $lt: new Date(t) } });
      }
      res.setHeader('X-RateLimit-Limit', String(limit));
      res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - count)));
      res.setHeader('X-RateLimit-Reset', String(Math.ceil(resetAt / 1000)));
      if (count > limit) {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil((resetAt - t) / 1000))));
        throw new ServiceError('too_many_requests', `Rate limit of ${limit} requests per minute exceeded.`);
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
