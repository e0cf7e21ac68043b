import type { RequestHandler } from 'express';
import { findActiveKey } from '../accounts/apiKeys';
import { authContextOf } from '../accounts/authContext';
import { projectRateLimit } from '../accounts/sendingPlan';
import { ServiceError } from '../contracts/serviceError';
import type { Collections } from '../db/mongo';
import { requestContext } from './requestContext';

/**
 * Resolves `Authorization: Bearer <secret>` to a live key, if any. It does not reject: the
 * rate limiter must count failed attempts too; `requireKey` rejects afterwards.
 */
export function identify(c: Collections): RequestHandler {
  return async (req, res, next) => {
    try {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
      // The team-key REST dialect sends its key in X-Team-ApiKey.
      const secret = match?.[1] ?? req.get('x-team-apikey')?.trim();
      const key = secret ? await findActiveKey(c, secret) : null;
      if (!key) {
        next();
        return;
      }
      const ctx = requestContext(res);
      ctx.auth = authContextOf(key);
      ctx.auth.rateLimitPerMinute ??= await projectRateLimit(c, key.project_id);
      ctx.log = ctx.log.child({ project_id: key.project_id, key_id: key._id });
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Rejects requests without a live key; revoked keys fail at once (no caching). */
export const requireKey: RequestHandler = (req, res, next) => {
  if (requestContext(res).auth) {
    next();
    return;
  }
  const given = /^Bearer\s+\S+/i.test(req.get('authorization') ?? '') || Boolean(req.get('x-team-apikey'));
  next(
    new ServiceError(
      'unauthorized',
      given ? 'Invalid or revoked API key.' : 'Missing API key: send Authorization: Bearer <key>.',
    ),
  );
};
