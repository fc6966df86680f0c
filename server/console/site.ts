import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';
import type { Logger } from '../logger';

/** Where `npm run build` puts the console (vite.admin.config.ts). */
export const CONSOLE_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../out/admin');

/**
 * The console's Content-Security-Policy: its own scripts, styles and API only; no inline script or
 * style, no framing, no plugins, no <base>, forms only to us.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * The back office at /admin (issue #19), same origin as the API. When the console has not been
 * built, /admin says so (503, and once in the log) instead of a 404: `npm run build` builds it.
 */
export function consoleSite(logger: Logger, dir = CONSOLE_DIR): Router {
  const router = Router();
  const index = join(dir, 'index.html');
  const built = existsSync(index);
  if (!built)
    logger.warn({ dir }, 'the back office is not built: /admin answers 503 until `npm run build` is run');
  // Express matches '/admin' and '/admin/' alike: only the bare one is redirected.
  router.get('/admin', (req, res, next) => {
    if (req.path === '/admin') res.redirect(301, '/admin/');
    else next();
  });
  router.use('/admin', (_req, res, next) => {
    secure(res);
    next();
  });
  if (!built) {
    router.get('/admin/{*rest}', (_req, res) => {
      res
        .status(503)
        .type('text/plain')
        .send('The back office is not built on this server. Run `npm run build`, then restart the server.\n');
    });
    return router;
  }
  router.use('/admin', express.static(dir, { index: false, fallthrough: true, redirect: false }));
  // One page: every other path under /admin is the console's own navigation.
  router.get('/admin/{*rest}', (_req, res) => res.sendFile(index));
  return router;
}
