import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';

/**
 * Everything the console page may do: its own script and style, calls to this origin, the
 * message preview frame (served by the API with its own sandbox), images only from here or
 * inline. Nothing inline runs, nothing else is framed or framing it.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build` writes the console: dist/console, from source and from dist alike. */
export function consoleDirectory(): string | undefined {
  const candidates = [
    path.join(__dirname, '..', '..', 'dist', 'console'),
    path.join(__dirname, '..', '..', 'console'),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

const secureHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  next();
};

/**
 * The web console at /console: static files built by `npm run build`; every other path under
 * /console is the page itself (the app routes in the browser). It calls the API with the
 * session cookie, so it needs nothing from the server but these files.
 */
export function consoleSite(settings: { temporalUiUrl: string; namespace: string }): Router {
  const router = express.Router();
  const dir = consoleDirectory();
  router.use('/console', secureHeaders);
  router.get('/console/settings.json', (_req, res) => {
    res.json({ temporal_ui_url: settings.temporalUiUrl, temporal_namespace: settings.namespace });
  });
  if (!dir) {
    router.get(['/console', '/console/*splat'], (_req, res) => {
      res.status(503).type('text/plain').send('The console is not built: run npm run build.');
    });
    return router;
  }
  router.use('/console/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '1h' }));
  router.get(['/console', '/console/*splat'], (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  return router;
}
