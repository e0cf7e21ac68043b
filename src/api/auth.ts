import { parseCookie } from 'cookie';
import type { Request, RequestHandler } from 'express';
import { findActiveKey } from '../accounts/apiKeys';
import { authContextOf } from '../accounts/authContext';
import { projectRateLimit } from '../accounts/sendingPlan';
import { findSessionKey } from '../accounts/sessions';
import { ServiceError } from '../contracts/serviceError';
import type { Collections } from '../db/mongo';
import { requestContext } from './requestContext';

/** The browser session cookie (sessions.ts): HttpOnly, SameSite=Strict. */
export const SESSION_COOKIE = 'sendflow_session';

export function sessionTokenOf(req: Request): string | undefined {
  const header = req.get('cookie');
  return header ? parseCookie(header)[SESSION_COOKIE] : undefined;
}

/**
 * Resolves `Authorization: Bearer <secret>` (or, without one, a session cookie) to a live key,
 * if any. It does not reject: the rate limiter must count failed attempts too; `requireKey`
 * rejects afterwards.
 */
export function identify(c: Collections): RequestHandler {
  return async (req, res, next) => {
    try {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
      // The team-key REST dialect sends its key in X-Team-ApiKey.
      const secret = match?.[1] ?? req.get('x-team-apikey')?.trim();
      const token = secret ? undefined : sessionTokenOf(req);
      const session = token ? await findSessionKey(c, token) : null;
      const key = secret ? await findActiveKey(c, secret) : (session?.key ?? null);
      if (!key) {
        next();
        return;
      }
      const ctx = requestContext(res);
      if (token && session) ctx.session = { token, csrf: session.csrf, expiresAt: session.expiresAt };
      ctx.auth = authContextOf(key);
      ctx.auth.rateLimitPerMinute ??= await projectRateLimit(c, key.project_id);
      ctx.log = ctx.log.child({ project_id: key.project_id, key_id: key._id });
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * A request authenticated by the session cookie that changes something must carry the
 * session's CSRF token in X-CSRF-Token: SameSite=Strict keeps other sites out, the token keeps
 * out other origins of the same site (another port on localhost).
 */
export const requireCsrfForSessions: RequestHandler = (req, res, next) => {
  const session = requestContext(res).session;
  if (
    !session ||
    ['GET', 'HEAD', 'OPTIONS'].includes(req.method) ||
    req.get('x-csrf-token') === session.csrf
  ) {
    next();
    return;
  }
  next(new ServiceError('forbidden', 'A request made with a session cookie needs its X-CSRF-Token header.'));
};

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
