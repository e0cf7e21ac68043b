import type { RequestHandler } from 'express';
import { ServiceError } from '../contracts/serviceError';
import type { HttpMethod } from './routeSpec';

/** Paths served outside the route list: health probes and the API description. */
export const UNVERSIONED_ROUTES: { method: HttpMethod; path: string }[] = [
  { method: 'get', path: '/healthz' },
  { method: 'get', path: '/readyz' },
  { method: 'get', path: '/openapi.json' },
];

type Routes = { method: HttpMethod; path: string }[];

/** The methods served at a request path; a literal path is its own resource, not an id of its parent. */
function allowedMethods(routes: Routes): (path: string) => Set<string> {
  const byPattern = new Map<string, { pattern: RegExp; literal: boolean; methods: Set<string> }>();
  for (const r of routes) {
    const entry = byPattern.get(r.path) ?? {
      pattern: new RegExp(`^${r.path.replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`),
      literal: !r.path.includes(':'),
      methods: new Set<string>(),
    };
    entry.methods.add(r.method.toUpperCase());
    if (r.method === 'get') entry.methods.add('HEAD');
    byPattern.set(r.path, entry);
  }
  return (path) => {
    const matching = [...byPattern.values()].filter(({ pattern }) => pattern.test(path));
    const literal = matching.filter((m) => m.literal);
    const allowed = new Set<string>();
    for (const { methods } of literal.length ? literal : matching) for (const m of methods) allowed.add(m);
    return allowed;
  };
}

/** OPTIONS on a known path: its Allow header (before the router, which would also count `/:id` siblings). */
export function answerOptions(routes: Routes): RequestHandler {
  const allowedAt = allowedMethods(routes);
  return (req, res, next) => {
    const allowed = req.method === 'OPTIONS' ? allowedAt(req.path) : new Set<string>();
    if (!allowed.size) {
      next();
      return;
    }
    res.setHeader('Allow', [...allowed].join(', '));
    res.status(200).send([...allowed].join(', '));
  };
}

/**
 * 405 with an Allow header for a known path asked with a method it does not serve (TRACE
 * included), instead of the 404 an unknown path gets.
 */
export function methodNotAllowed(routes: Routes): RequestHandler {
  const allowedAt = allowedMethods(routes);
  return (req, res, next) => {
    const allowed = allowedAt(req.path);
    if (allowed.size === 0 || allowed.has(req.method)) {
      next();
      return;
    }
    res.setHeader('Allow', [...allowed].join(', '));
    next(new ServiceError('method_not_allowed', `${req.method} is not allowed on ${req.path}.`));
  };
}
