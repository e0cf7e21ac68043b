import type { RequestHandler } from 'express';
import { findActiveKey } from '../accounts/apiKeys';
import type { Scope } from '../db/documents';
import type { Collections } from '../db/mongo';
import { ApiError } from './errors';
import { requestContext } from './requestContext';

export interface AuthContext {
  keyId: string;
  projectId: string;
  scopes: Scope[];
  domains?: string[];
  testMode: boolean;
  rateLimitPerMinute?: number;
}

/** Resolves `Authorization: Bearer <secret>` to a live key; revoked keys fail at once. */
export function authenticate(c: Collections): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.get('authorization') ?? '';
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new ApiError('unauthorized', 'Missing API key: send Authorization: Bearer <key>.');
      const key = await findActiveKey(c, match[1]);
      if (!key) throw new ApiError('unauthorized', 'Invalid or revoked API key.');
      const ctx = requestContext(res);
      ctx.auth = {
        keyId: key._id,
        projectId: key.project_id,
        scopes: key.scopes,
        domains: key.domains,
        testMode: key.test_mode,
        rateLimitPerMinute: key.rate_limit_per_minute,
      };
      ctx.log = ctx.log.child({ project_id: key.project_id, key_id: key._id });
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** `admin` implies every scope; `read` and `send` are independent. */
export function hasScope(auth: AuthContext, scope: Scope): boolean {
  return auth.scopes.includes('admin') || auth.scopes.includes(scope);
}

export function requireScope(scope: Scope): RequestHandler {
  return (_req, res, next) => {
    const auth = requestContext(res).auth;
    if (!auth || !hasScope(auth, scope)) {
      next(new ApiError('forbidden', `This API key lacks the "${scope}" scope.`));
      return;
    }
    next();
  };
}
