import { closeSession, openSession, SESSION_HOURS } from '../../accounts/sessions';
import { ServiceError } from '../../contracts/serviceError';
import { sessionSchema } from '../../contracts/sessionSchemas';
import type { Collections } from '../../db/mongo';
import { SESSION_COOKIE } from '../auth';
import { requestContext } from '../requestContext';
import { type RouteSpec, route } from '../routeSpec';

/**
 * Browser sign-in: an API key, sent once as a Bearer header, becomes an HttpOnly, SameSite=Strict
 * session cookie, so pages (the console, the Temporal UI's codec calls) never hold the key.
 */
export function sessionRoutes(c: Collections): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/sessions',
      operationId: 'openSession',
      tag: 'Sessions',
      summary: `Exchange the API key of this request for a session cookie (${SESSION_HOURS} h; keys with the read scope)`,
      scope: 'read',
      responses: { 201: { description: 'Signed in; the cookie is set', schema: sessionSchema } },
      async handler({ auth, req, res }) {
        if (requestContext(res).session)
          throw new ServiceError('forbidden', 'Open a session with an API key, not with another session.');
        const key = await c.apiKeys.findOne({ _id: auth.keyId });
        if (!key) throw new ServiceError('unauthorized', 'Invalid or revoked API key.');
        const session = await openSession(c, key);
        res.cookie(SESSION_COOKIE, session.token, {
          httpOnly: true,
          sameSite: 'strict',
          secure: req.secure,
          path: '/',
          expires: session.expiresAt,
        });
        return {
          status: 201,
          body: {
            project_id: auth.projectId,
            scopes: auth.scopes,
            csrf_token: session.csrf,
            expires_at: session.expiresAt.toISOString(),
          },
        };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/sessions/current',
      operationId: 'closeSession',
      tag: 'Sessions',
      summary: 'Sign out: the session cookie of this request stops working',
      scope: 'read',
      responses: { 204: { description: 'Signed out' } },
      async handler({ res }) {
        const session = requestContext(res).session;
        if (!session) throw new ServiceError('validation_failed', 'This request carries no session cookie.');
        await closeSession(c, session.token);
        res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' });
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/v1/sessions/current',
      operationId: 'getSession',
      tag: 'Sessions',
      summary: 'The session of this request (a reloaded page reads its CSRF token here)',
      scope: 'read',
      responses: { 200: { description: 'The session', schema: sessionSchema } },
      async handler({ auth, res }) {
        const session = requestContext(res).session;
        if (!session) throw new ServiceError('validation_failed', 'This request carries no session cookie.');
        return {
          body: {
            project_id: auth.projectId,
            scopes: auth.scopes,
            csrf_token: session.csrf,
            expires_at: session.expiresAt.toISOString(),
          },
        };
      },
    }),
  ];
}
