import type pg from 'pg';
import { TrustErrorCode, type LicenceResponse, type LicenceStatus } from '../../protocol/http';
import {
  issueLicence,
  signServerStatement,
  type Licence,
  type ServerStatement,
} from '../../protocol/licence';
import { appendAudit } from '../audit/chain';
import { withTransaction } from '../db/tx';
import type { DeviceRow } from '../devices/store';
import { invalidSignature } from '../devices/signature';
import { HttpError } from '../http/errors';
import { metrics } from '../metrics';
import { materialError } from '../materials/errors';
import { loadCek } from '../materials/kek';
import { findMaterial, lockAccessRows, userMayTake, type MaterialRow } from '../materials/store';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { assertNotBlocked, recordFailedValidation, recordGoodValidation } from './device-guard';
import {
  effectiveStatus,
  expireLapsed,
  findLicence,
  heldLicence,
  HELD,
  insertLicence,
  revokeLiveLicences,
  type LicenceRow,
} from './store';

type LicenceHandlerNames =
  'issueLicence' | 'validateLicence' | 'renewLicence' | 'returnLicence' | 'revokeLicence' | 'offlineSync';

const notFound = () => materialError('LICENSE_NOT_FOUND', 'Licence not found');

/** Why a presented licence (id + nonce) is not good for this device, or null when it is. */
function refusal(row: LicenceRow | undefined, device: DeviceRow, nonce: string): HttpError | null {
  if (!row || row.device_id !== device.device_id) return notFound();
  // Another copy's nonce: a cloned or edited licence, or one replaced by a renewal.
  if (row.nonce !== nonce)
    return new HttpError(403, TrustErrorCode.INVALID_NONCE, 'Licence nonce does not match');
  const status = effectiveStatus(row);
  if (status === 'expired') return materialError('LICENSE_EXPIRED', 'Licence expired');
  if (!HELD.includes(status)) return materialError('LICENSE_REVOKED', `Licence ${status}`, { status });
  return null;
}

export function licenceHandlers(deps: TrustDeps): Pick<Handlers, LicenceHandlerNames> {
  const { pool, keys } = deps;
  const { masterSecret } = deps.materials;

  async function mint(
    client: pg.PoolClient,
    material: MaterialRow,
    device: DeviceRow & { user_id: string },
  ): Promise<Licence> {
    const cek = await loadCek(client, masterSecret, material.id);
    if (!cek || !material.manifest_sha256)
      throw materialError('MATERIAL_NOT_READY', 'Material not encrypted yet');
    return issueLicence({
      materialId: material.id,
      deviceId: device.device_id,
      devicePublicKey: device.x25519_pub,
      userId: device.user_id,
      cek,
      manifestSha256: material.manifest_sha256,
      serverKey: keys.signing.privateKey,
      serverKeyId: keys.signing.kid,
      now: new Date(),
    });
  }

  /** A laptop (a device with a user) whose user may take the material, which is ready. */
  async function takeable(client: pg.PoolClient, materialId: string, device: DeviceRow) {
    const material = await findMaterial(client, materialId);
    if (!material) throw materialError('MATERIAL_NOT_FOUND', 'Material not found');
    const userId = device.user_id;
    // Before the check, so no removal commits between the check and the licence (lockAccessRows).
    if (userId !== null) await lockAccessRows(client, material.id, userId);
    if (userId === null || !(await userMayTake(client, material.id, userId)))
      throw materialError('MATERIAL_ACCESS_DENIED', 'No access to this material');
    if (material.status !== 'ready') throw materialError('MATERIAL_NOT_READY', `Material ${material.status}`);
    return { material, device: { ...device, user_id: userId } };
  }

  /** Signed time and states, bound to the request's nonce: what the laptop's secure clock trusts. */
  const statement = (
    deviceId: string,
    requestNonce: string | undefined,
    licences: ServerStatement['licences'],
    now: Date,
  ): ServerStatement =>
    signServerStatement(keys.signing, {
      device_id: deviceId,
      request_nonce: requestNonce ?? null,
      server_time: now.toISOString(),
      licences,
    });

  const answer = (
    licence: Licence,
    status: LicenceStatus,
    deviceId: string,
    requestNonce: string | undefined,
  ): LicenceResponse => {
    const now = new Date();
    return {
      licence,
      status,
      server_time: now.toISOString(),
      statement: statement(
        deviceId,
        requestNonce,
        [{ license_id: licence.licence_id, status, expires_at: licence.expires_at }],
        now,
      ),
    };
  };

  return {
    issueLicence: async ({ params, body, device, tx }) => {
      if (body.device_id !== device.device_id) throw invalidSignature('Signing device is not body.device_id');
      await assertNotBlocked(pool, device.device_id);
      const outcome = await tx(async (client) => {
        // Serialises this device's issues, so two at once cannot both mint a licence.
        await client.query('SELECT 1 FROM offline_devices WHERE device_id = $1 FOR UPDATE', [
          device.device_id,
        ]);
        const ok = await takeable(client, params.material_id, device);
        await expireLapsed(client, { deviceId: device.device_id, materialId: ok.material.id });
        const held = await heldLicence(client, device.device_id, ok.material.id);
        if (held?.licence) return { status: 200, licence: held.licence, state: held.status };
        const licence = await mint(client, ok.material, ok.device);
        await insertLicence(client, licence, 'ready');
        await appendAudit(client, {
          actorType: 'device',
          actorId: device.device_id,
          action: 'licence.issued',
          targetType: 'licence',
          targetId: licence.licence_id,
          details: {
            material_id: ok.material.id,
            user_id: ok.device.user_id,
            expires_at: licence.expires_at,
          },
        });
        return { status: 201, licence, state: 'ready' as const };
      });
      if (outcome.status === 201) metrics.licensesIssued.inc();
      return {
        status: outcome.status,
        body: answer(outcome.licence, outcome.state, device.device_id, body.request_nonce),
      };
    },

    validateLicence: async ({ params, body, device, tx }) => {
      await assertNotBlocked(pool, device.device_id);
      const outcome = await tx(async (client) => {
        const row = await findLicence(client, params.license_id, device.device_id);
        const refused = refusal(row, device, body.nonce);
        if (refused) {
          if (refused.code === 'LICENSE_EXPIRED' && row)
            await expireLapsed(client, { deviceId: device.device_id, materialId: row.material_id });
          // Committed with the nonce, though the answer is a refusal: that is what the count is for.
          await recordFailedValidation(client, device.device_id, refused.code);
          return { refused };
        }
        await client.query(
          `UPDATE offline_licenses SET status = 'active', activated_at = coalesce(activated_at, clock.at),
             updated_at = now() FROM (SELECT now() AS at) clock WHERE device_id = $2 AND id = $1`,
          [row!.id, row!.device_id],
        );
        await recordGoodValidation(client, device.device_id);
        await client.query('UPDATE offline_devices SET last_seen_at = now() WHERE device_id = $1', [
          device.device_id,
        ]);
        return { expiresAt: row!.expires_at };
      });
      if ('refused' in outcome) throw outcome.refused;
      const now = new Date();
      const expiresAt = outcome.expiresAt.toISOString();
      return {
        body: {
          valid: true,
          status: 'active',
          expires_at: expiresAt,
          server_time: now.toISOString(),
          statement: statement(
            device.device_id,
            body.request_nonce,
            [{ license_id: params.license_id, status: 'active', expires_at: expiresAt }],
            now,
          ),
        },
      };
    },

    renewLicence: async ({ params, body, device, tx }) => {
      await assertNotBlocked(pool, device.device_id);
      const outcome = await tx(async (client) => {
        await client.query('SELECT 1 FROM offline_devices WHERE device_id = $1 FOR UPDATE', [
          device.device_id,
        ]);
        const row = await findLicence(client, params.license_id, device.device_id);
        const refused = refusal(row, device, body.nonce);
        if (refused) {
          await recordFailedValidation(client, device.device_id, refused.code);
          return { refused };
        }
        const ok = await takeable(client, row!.material_id, device);
        const licence = await mint(client, ok.material, ok.device);
        // The old licence leaves the slot first (one held licence per device and material).
        await client.query(
          `UPDATE offline_licenses SET status = 'cancelled', cancelled_at = now(), replaced_by = $2, updated_at = now()
           WHERE device_id = $3 AND id = $1`,
          [row!.id, licence.licence_id, row!.device_id],
        );
        await insertLicence(client, licence, row!.status);
        await recordGoodValidation(client, device.device_id);
        await appendAudit(client, {
          actorType: 'device',
          actorId: device.device_id,
          action: 'licence.renewed',
          targetType: 'licence',
          targetId: licence.licence_id,
          details: { replaces: row!.id, material_id: ok.material.id, expires_at: licence.expires_at },
        });
        return { licence, status: row!.status };
      });
      if ('refused' in outcome) throw outcome.refused;
      metrics.licensesIssued.inc();
      return { body: answer(outcome.licence, outcome.status, device.device_id, body.request_nonce) };
    },

    returnLicence: async ({ params, body, device, tx }) => {
      const expiresAt = await tx(async (client) => {
        const row = await findLicence(client, params.license_id, device.device_id);
        if (!row || row.device_id !== device.device_id) throw notFound();
        if (row.status === 'returned') return row.expires_at;
        if (row.status === 'revoked' || row.status === 'cancelled')
          throw materialError('LICENSE_REVOKED', `Licence ${row.status}`, { status: row.status });
        await client.query(
          `UPDATE offline_licenses SET status = 'returned', returned_at = now(), updated_at = now()
           WHERE device_id = $2 AND id = $1`,
          [row.id, row.device_id],
        );
        await appendAudit(client, {
          actorType: 'device',
          actorId: device.device_id,
          action: 'licence.returned',
          targetType: 'licence',
          targetId: row.id,
          details: { material_id: row.material_id },
        });
        return row.expires_at;
      });
      const now = new Date();
      return {
        body: {
          license_id: params.license_id,
          status: 'returned',
          server_time: now.toISOString(),
          statement: statement(
            device.device_id,
            body.request_nonce,
            [{ license_id: params.license_id, status: 'returned', expires_at: expiresAt.toISOString() }],
            now,
          ),
        },
      };
    },

    revokeLicence: async ({ params, body, user }) => {
      await withTransaction(pool, async (client) => {
        const row = await findLicence(client, params.license_id, null);
        if (!row) throw notFound();
        const material = await findMaterial(client, row.material_id);
        if (!material || material.owner_id !== user.id)
          throw materialError(
            'MATERIAL_ACCESS_DENIED',
            'Only the teacher who uploaded the material may revoke',
          );
        if (row.status === 'revoked') return;
        await client.query(
          `UPDATE offline_licenses SET status = 'revoked', revoked_at = now(), revoke_reason = $2, updated_at = now()
           WHERE device_id = $3 AND id = $1`,
          [row.id, body.reason, row.device_id],
        );
        // Revoking withdraws the user's access, not just this one licence: without this the same laptop
        // took a new licence (and a download) at once. The grant goes, and so do the user's other live
        // licences for the material, until a teacher grants it again.
        if (row.user_id !== null) {
          await client.query(
            `DELETE FROM offline_material_grants g USING users u
             WHERE g.material_id = $1 AND u.id = $2 AND g.email = u.email`,
            [row.material_id, row.user_id],
          );
          // A class the material is granted to would give it straight back: bar them from it.
          await client.query(
            `INSERT INTO offline_material_bars (material_id, email)
             SELECT $1::uuid, u.email FROM users u WHERE u.id = $2 ON CONFLICT DO NOTHING`,
            [row.material_id, row.user_id],
          );
          await revokeLiveLicences(
            client,
            { userIds: [row.user_id], materialId: row.material_id },
            body.reason,
          );
        }
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'licence.revoked',
          targetType: 'licence',
          targetId: row.id,
          details: { material_id: row.material_id, device_id: row.device_id, reason: body.reason },
        });
      });
      return { body: { license_id: params.license_id, status: 'revoked' } };
    },

    offlineSync: async ({ body, device, tx }) => {
      const licences = await tx(async (client) => {
        await expireLapsed(client, { deviceId: device.device_id });
        await client.query('UPDATE offline_devices SET last_seen_at = now() WHERE device_id = $1', [
          device.device_id,
        ]);
        const ids = body.licences.map((l) => l.license_id);
        const { rows } = await client.query<LicenceRow>(
          `SELECT id, material_id, device_id, user_id, status, nonce, licence, expires_at FROM offline_licenses
           WHERE id = ANY($1::uuid[]) AND device_id = $2`,
          [ids, device.device_id],
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        return body.licences.map(({ license_id, nonce }) => {
          const row = byId.get(license_id);
          // Not this device's, or not this copy: the device must drop it.
          if (!row || row.nonce !== nonce)
            return { license_id, status: 'revoked' as const, expires_at: null };
          return { license_id, status: effectiveStatus(row), expires_at: row.expires_at.toISOString() };
        });
      });
      const now = new Date();
      return {
        body: {
          licences,
          server_time: now.toISOString(),
          statement: statement(device.device_id, body.request_nonce, licences, now),
        },
      };
    },
  };
}
