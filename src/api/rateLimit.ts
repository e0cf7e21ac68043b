import type { RequestHandler } from 'express';
import type { Collection } from 'mongodb';
import { createRateCounter, DEFAULT_RATE_LIMIT_PER_MINUTE } from '../accounts/rateWindows';
import { ServiceError } from '../contracts/serviceError';
import type { NumberedTokenDoc } from '../db/documents';
import { requestContext } from './requestContext';

/** Counts every request per key; requests without a valid key per client address, on a lower limit. */
export function rateLimit(
  windows: Collection<NumberedTokenDoc>,
  failedAuthPerMinute: number,
  now: () => number = Date.now,
): RequestHandler {
  const count = createRateCounter(windows, now);
  return async (req, res, next) => {
    try {
      const auth = requestContext(res).auth;
      // req.ip is the client's address as far as the trusted proxies say (SENDFLOW_TRUST_PROXY).
      const bucket = auth ? `key:${auth.keyId}` : `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
      const limit = auth ? (auth.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE) : failedAuthPerMinute;
      const window = await count(bucket, limit);
      res.setHeader('X-RateLimit-Limit', String(window.limit));
      res.setHeader('X-RateLimit-Remaining', String(window.remaining));
      res.setHeader('X-RateLimit-Reset', String(Math.ceil(window.resetAt / 1000)));
      if (window.exceeded) {
        res.setHeader('Retry-After', String(window.retryAfterSeconds));
        throw new ServiceError(
          'too_many_requests',
          `Rate limit of ${window.limit} requests per minute exceeded.`,
        );
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
