import type { RequestHandler } from 'express';
import { ServiceError } from '../contracts/serviceError';
import type { HttpMethod } from './routeSpec';

/** Paths served outside the route list: health probes and the API description. */
export const UNVERSIONED_ROUTES: { method: HttpMethod; path: string }[] = [
  { method: 'get', path: '/healthz' },
  { method: 'get', path: '/readyz' },
  { method: 'get', path: '/openapi.json' },
];

/**
 * 405 with an Allow header for a known path asked with a method it does not serve (TRACE
 * included), instead of the 404 an unknown path gets.
 */
export function methodNotAllowed(routes: { method: HttpMethod; path: string }[]): RequestHandler {
  const byPattern = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const r of routes) {
    const entry = byPattern.get(r.path) ?? {
      pattern: new RegExp(`^${r.path.replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`),
      methods: new Set<string>(),
    };
    entry.methods.add(r.method.toUpperCase());
    if (r.method === 'get') entry.methods.add('HEAD');
    byPattern.set(r.path, entry);
  }
  return (req, res, next) => {
    const allowed = new Set<string>();
    for (const { pattern, methods } of byPattern.values())
      if (pattern.test(req.path)) for (const m of methods) allowed.add(m);
    if (allowed.size === 0 || allowed.has(req.method)) {
      next();
      return;
    }
    res.setHeader('Allow', [...allowed].join(', '));
    next(new ServiceError('method_not_allowed', `${req.method} is not allowed on ${req.path}.`));
  };
}
