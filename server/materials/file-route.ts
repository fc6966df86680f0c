import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type pg from 'pg';
import { heldLicence } from '../licences/store';
import type { MaterialsDeps } from './deps';
import { verifyDownloadToken } from './download-token';
import { materialError } from './errors';

/**
 * `Range: bytes=a-b | a- | -n` → inclusive [start, end], 'unsatisfiable', or null for no usable
 * range (absent, malformed, or several: RFC 9110 lets a server answer those with the whole file).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

const invalid = () => materialError('DOWNLOAD_URL_INVALID', 'Download URL invalid or expired');

/**
 * Serves the encrypted file behind a download token. The token is checked, and so is the state it
 * stands for: a licence revoked or a device deregistered after the URL was made stops it too.
 */
export async function serveEncryptedFile(
  pool: pg.Pool,
  deps: MaterialsDeps,
  token: string,
  req: Request,
  res: Response,
): Promise<void> {
  const grant = verifyDownloadToken(deps.urlKey, token);
  if (!grant) throw invalid();
  const { rows } = await pool.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM offline_materials m JOIN offline_devices d ON d.device_id = $2
       WHERE m.id = $1 AND m.status = 'ready' AND d.status = 'active') AS ok`,
    [grant.materialId, grant.deviceId],
  );
  if (!rows[0]?.ok || !(await heldLicence(pool, grant.deviceId, grant.materialId))) throw invalid();

  // Only a published object has a size: a staged or half-written one is never served.
  const size = await deps.blobs.encryptedSize(grant.materialId);
  if (size === undefined) throw invalid();
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Cache-Control', 'private, no-store');
  const range = parseRange(req.get('range'), size);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw materialError('RANGE_NOT_SATISFIABLE', `The file has ${size} bytes`);
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  } else res.status(200);
  res.setHeader('Content-Length', String(end - start + 1));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(await deps.blobs.openEncrypted(grant.materialId, { start, end }), res);
  } catch {
    // The client went away mid-file; it resumes with a Range request.
    res.destroy();
  }
}
