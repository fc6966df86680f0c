import { Router } from 'express';
import type pg from 'pg';
import { HttpErrorCode } from '../../protocol/http';
import { sendError } from './error-handler';
import { methodNotAllowed } from './errors';

export const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function healthRouter(pool: pg.Pool, readyTimeoutMs = READY_TIMEOUT_MS): Router {
  const router = Router();
  router
    .route('/health/live')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  router
    .route('/health/ready')
    .get(async (_req, res) => {
      try {
        await withTimeout(pool.query('select 1'), readyTimeoutMs);
      } catch (err) {
        // Probes hit this often while the DB is down; the cause matters but is not an app fault.
        res.locals.log.warn({ err }, 'readiness check failed');
        sendError(res, 503, HttpErrorCode.DB_UNAVAILABLE, 'Database unavailable');
        return;
      }
      res.json({ status: 'ready', database: 'connected' });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
