import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import {
  DOWNLOAD_URL_TTL_SECONDS,
  DOWNLOADS_PER_USER_PER_HOUR,
  ROUTES,
  type MaterialRecord,
} from '../../protocol/http';
import { Manifest } from '../../protocol/chunks';
import { appendAudit } from '../audit/chain';
import { withTransaction } from '../db/tx';
import { authenticateDevice } from '../devices/authenticate';
import { consumeNonce } from '../devices/signature';
import { assertNotBlocked } from '../licences/device-guard';
import { heldLicence, revokeLiveLicences } from '../licences/store';
import { metrics } from '../metrics';
import { authenticateUser } from '../routes/authenticate';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { signDownloadToken } from './download-token';
import { materialError } from './errors';
import { serveEncryptedFile } from './file-route';
import {
  findMaterial,
  JOB_COLUMNS,
  MATERIAL_COLUMNS,
  MAY_TAKE,
  ownedMaterial,
  toJobRecord,
  toMaterialRecord,
  type JobRow,
  type MaterialRow,
} from './store';
import { receiveUpload } from './upload';

type MaterialHandlerNames =
  | 'uploadMaterial'
  | 'listMaterials'
  | 'grantMaterial'
  | 'withdrawGrants'
  | 'materialJob'
  | 'getJob'
  | 'downloadMaterial'
  | 'downloadFile';

const filesPath = ROUTES.downloadFile.path.replace(':token', '');

export function materialHandlers(deps: TrustDeps): Pick<Handlers, MaterialHandlerNames> {
  const { pool } = deps;
  const materials = deps.materials;

  const owned = (materialId: string, userId: string) => ownedMaterial(pool, materialId, userId);

  /**
   * GET /api/v1/offline/materials takes a bearer token or a device signature: the user is the token's,
   * or the one the laptop is registered to. A device's nonce is recorded only on success.
   */
  async function listCaller(req: Request, res: Response) {
    if (req.get('x-outpost-device') === undefined && req.get('x-outpost-signature') === undefined) {
      const user = await authenticateUser(deps, req, res, ['teacher', 'student']);
      return { userId: user.id, teacher: user.roles.includes('teacher'), consume: async () => undefined };
    }
    const { device, signed } = await authenticateDevice(pool, req);
    return {
      userId: device.user_id,
      teacher: false,
      consume: () => withTransaction(pool, (client) => consumeNonce(client, signed)),
    };
  }

  return {
    uploadMaterial: async ({ req, res, user, query }) => {
      const upload = await receiveUpload(materials, req, res);
      const jobId = randomUUID();
      let material: MaterialRecord;
      try {
        material = await withTransaction(pool, async (client) => {
          const { rows } = await client.query<MaterialRow>(
            `INSERT INTO offline_materials AS m (id, owner_id, title, content_type, plaintext_size)
             VALUES ($1, $2, $3, $4, $5) RETURNING ${MATERIAL_COLUMNS}`,
            [upload.id, user.id, query.title, upload.contentType, upload.size],
          );
          await client.query('INSERT INTO offline_encryption_jobs (id, material_id) VALUES ($1, $2)', [
            jobId,
            upload.id,
          ]);
          await appendAudit(client, {
            actorType: 'user',
            actorId: user.id,
            action: 'material.uploaded',
            targetType: 'material',
            targetId: upload.id,
            details: { content_type: upload.contentType, size: upload.size, job_id: jobId },
          });
          return toMaterialRecord(rows[0]!);
        });
      } catch (err) {
        await materials.blobs.deleteUpload(upload.id);
        throw err;
      }
      return { body: { material, job_id: jobId } };
    },

    listMaterials: async ({ req, res }) => {
      const caller = await listCaller(req, res);
      const { rows } =
        caller.userId === null
          ? { rows: [] }
          : await pool.query<MaterialRow>(
              `SELECT ${MATERIAL_COLUMNS} FROM offline_materials m JOIN users u ON u.id = $1
               WHERE ($2 AND m.owner_id = u.id)
                  OR (NOT $2 AND NOT u.disabled AND ${MAY_TAKE})
               ORDER BY m.created_at DESC, m.id LIMIT 1000`,
              [caller.userId, caller.teacher],
            );
      await caller.consume();
      return { body: { materials: rows.map(toMaterialRecord) } };
    },

    grantMaterial: async ({ params, body, user }) => {
      await owned(params.material_id, user.id);
      const emails = [...new Set(body.emails.map((e) => e.toLowerCase()))];
      const granted = await withTransaction(pool, async (client) => {
        const { rowCount } = await client.query(
          `INSERT INTO offline_material_grants (material_id, email, granted_by)
           SELECT $1, e, $3 FROM unnest($2::text[]) AS e ON CONFLICT DO NOTHING`,
          [params.material_id, emails, user.id],
        );
        const n = rowCount ?? 0;
        // Granted again: a licence revoked earlier no longer bars them through a class either.
        await client.query(
          'DELETE FROM offline_material_bars WHERE material_id = $1 AND email = ANY($2::text[])',
          [params.material_id, emails],
        );
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'material.granted',
          targetType: 'material',
          targetId: params.material_id,
          details: { emails: emails.length, newly_granted: n },
        });
        return n;
      });
      return { body: { granted } };
    },

    withdrawGrants: async ({ params, body, user }) => {
      await owned(params.material_id, user.id);
      const emails = [...new Set(body.emails.map((e) => e.toLowerCase()))];
      const counts = await withTransaction(pool, async (client) => {
        const withdrawn = await client.query(
          'DELETE FROM offline_material_grants WHERE material_id = $1 AND email = ANY($2::text[])',
          [params.material_id, emails],
        );
        // Without this a laptop kept reading (and renewing) on the licence it already held.
        const users = await client.query<{ id: string }>(
          'SELECT id FROM users WHERE email = ANY($1::text[]) AND id <> $2',
          [emails, user.id],
        );
        const revoked = await revokeLiveLicences(
          client,
          { userIds: users.rows.map((u) => u.id), materialId: params.material_id },
          'grant withdrawn',
        );
        const n = { withdrawn: withdrawn.rowCount ?? 0, licenses_revoked: revoked };
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'material.grants_withdrawn',
          targetType: 'material',
          targetId: params.material_id,
          details: { emails: emails.length, ...n },
        });
        return n;
      });
      return { body: counts };
    },

    materialJob: async ({ params, user }) => {
      await owned(params.material_id, user.id);
      const { rows } = await pool.query<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM offline_encryption_jobs j WHERE j.material_id = $1`,
        [params.material_id],
      );
      if (!rows[0]) throw materialError('JOB_NOT_FOUND', 'No encryption job for this material');
      return { body: toJobRecord(rows[0]) };
    },

    getJob: async ({ params, user }) => {
      const { rows } = await pool.query<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM offline_encryption_jobs j JOIN offline_materials m ON m.id = j.material_id
         WHERE j.id = $1 AND m.owner_id = $2`,
        [params.job_id, user.id],
      );
      if (!rows[0]) throw materialError('JOB_NOT_FOUND', 'Job not found');
      return { body: toJobRecord(rows[0]) };
    },

    downloadMaterial: async ({ params, req, res, device, tx }) => {
      const started = process.hrtime.bigint();
      await assertNotBlocked(pool, device.device_id);
      const material = await findMaterial(pool, params.material_id);
      if (!material) throw materialError('MATERIAL_NOT_FOUND', 'Material not found');
      if (material.status !== 'ready' || !material.manifest || material.encrypted_size === null)
        throw materialError('MATERIAL_NOT_READY', `Material ${material.status}`);
      const userId = device.user_id;
      if (userId === null) throw materialError('LICENSE_NOT_FOUND', 'This device holds no licence for it');
      await tx(async (client) => {
        // Serialises this user's downloads, so the hourly count cannot be overrun by parallel calls.
        await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
        const licence = await heldLicence(client, device.device_id, material.id, true);
        if (!licence) throw materialError('LICENSE_NOT_FOUND', 'This device holds no licence for it');
        const { rows } = await client.query<{ n: number; retry: number | null }>(
          `/* citus: multi-shard: a per-user hourly limit, across devices */ SELECT count(*)::int AS n, ceil(extract(epoch FROM min(at) + interval '1 hour' - now()))::int AS retry
           FROM offline_download_events WHERE user_id = $1 AND at > now() - interval '1 hour'`,
          [userId],
        );
        if ((rows[0]?.n ?? 0) >= DOWNLOADS_PER_USER_PER_HOUR) {
          metrics.rateLimitExceeded.inc({ limit: 'downloads' });
          res.setHeader('Retry-After', String(Math.max(1, rows[0]?.retry ?? 3600)));
          throw materialError(
            'RATE_LIMIT_EXCEEDED',
            `At most ${DOWNLOADS_PER_USER_PER_HOUR} downloads per user per hour`,
          );
        }
        await client.query(
          'INSERT INTO offline_download_events (user_id, device_id, material_id) VALUES ($1, $2, $3)',
          [userId, device.device_id, material.id],
        );
        // Taking the content is what makes a ready licence active.
        await client.query(
          `UPDATE offline_licenses SET status = 'active', activated_at = now(), updated_at = now()
           WHERE device_id = $2 AND id = $1 AND status = 'ready'`,
          [licence.id, device.device_id],
        );
      });
      const expiresAt = new Date(Date.now() + DOWNLOAD_URL_TTL_SECONDS * 1000);
      const token = signDownloadToken(materials.urlKey, {
        materialId: material.id,
        deviceId: device.device_id,
        expiresAt,
      });
      metrics.downloads.inc();
      metrics.downloadDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return {
        body: {
          manifest: Manifest.parse(material.manifest),
          url: `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${filesPath}${token}`,
          expires_at: expiresAt.toISOString(),
          encrypted_size: Number(material.encrypted_size),
        },
      };
    },

    downloadFile: async ({ params, req, res }) => {
      await serveEncryptedFile(pool, materials, params.token, req, res);
      return { body: null };
    },
  };
}
