import type { Payload, PayloadCodec } from '@temporalio/common';
import type { RequestHandler } from 'express';
import { DEFAULT_PROJECT_ID } from '../../accounts/apiKeys';
import { type CodecPayloads, codecPayloadsSchema } from '../../contracts/codecSchemas';
import { ServiceError } from '../../contracts/serviceError';
import { type RouteSpec, route } from '../routeSpec';

const toPayload = (p: CodecPayloads['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  ...(p.data !== undefined ? { data: Buffer.from(p.data, 'base64') } : {}),
});
const fromPayload = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
});

/**
 * Temporal's "codec server" protocol, so the Temporal UI and CLI can show encrypted payloads
 * to operators: admin keys of the operator's own (default) project only, since the keyring is
 * the whole deployment's. Without a key configured it is the identity.
 */
export function codecRoutes(codec: PayloadCodec | undefined): RouteSpec[] {
  const run = (how: 'encode' | 'decode') => async (body: CodecPayloads, projectId: string) => {
    if (projectId !== DEFAULT_PROJECT_ID)
      throw new ServiceError(
        'forbidden',
        'Only admin keys of the default project may use the codec endpoint.',
      );
    const payloads = body.payloads.map(toPayload);
    const done = codec ? await codec[how](payloads) : payloads;
    return { payloads: done.map(fromPayload) };
  };
  return (['decode', 'encode'] as const).map((how) =>
    route({
      method: 'post',
      path: `/codec/${how}`,
      operationId: `codec${how[0].toUpperCase()}${how.slice(1)}`,
      tag: 'Operators',
      summary:
        how === 'decode'
          ? 'Decrypt Temporal payloads (Temporal codec server protocol; default project admin keys)'
          : 'Encrypt Temporal payloads (Temporal codec server protocol; default project admin keys)',
      scope: 'admin',
      body: codecPayloadsSchema,
      responses: { 200: { description: 'The payloads, transformed', schema: codecPayloadsSchema } },
      async handler({ body, auth }) {
        return { body: await run(how)(body, auth.projectId) };
      },
    }),
  );
}

/**
 * CORS for the Temporal UI's browser: the listed origins may call the codec endpoint with an
 * Authorization header; preflights are answered here, before any key check.
 */
export function codecCors(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    }
    if (req.method === 'OPTIONS') {
      res.status(origin && allowed.has(origin) ? 204 : 403).end();
      return;
    }
    next();
  };
}
