import type { Request } from 'express';

/**
 * The route pattern a request matched (`/api/v1/offline/files/:token`), or `unmatched`. Logs and
 * metrics use it instead of the path: a path can hold a download token (a bearer credential for
 * 15 minutes), and random paths would create unbounded metric series. The query string is never
 * part of it.
 */
export function routePattern(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}
