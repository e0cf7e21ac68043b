import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { AuthContext } from '../accounts/authContext';
import type { Logger } from '../logger';

export interface RequestContext {
  requestId: string;
  log: Logger;
  auth?: AuthContext;
  /** Set when the request was authenticated by a session cookie instead of a key. */
  session?: { token: string; csrf: string; expiresAt: Date };
}

export function requestContext(res: Response): RequestContext {
  return res.locals.ctx as RequestContext;
}

export function authOf(res: Response): AuthContext {
  const auth = requestContext(res).auth;
  if (!auth) throw new Error('route used without authentication');
  return auth;
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives each request an id (or keeps a sane incoming one) that every log line carries. */
export function requestIdMiddleware(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId =
      incoming && INCOMING_ID.test(incoming) ? incoming : `req_${randomUUID().replace(/-/g, '')}`;
    const log = logger.child({ request_id: requestId });
    res.locals.ctx = { requestId, log } satisfies RequestContext;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The context's logger: a route may have named what the request was about (message_id).
      requestContext(res).log.info(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}
