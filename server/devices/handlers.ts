import { publicKeyPem } from '../../protocol/crypto';
import {
  FINGERPRINT_HEADER,
  Fingerprint,
  MAX_DEVICES_PER_USER,
  TrustErrorCode,
  type EnrollRequest,
} from '../../protocol/http';
import { serverKeyId } from '../../protocol/bundle/key-id';
import { signServerStatement } from '../../protocol/licence';
import { appendAudit } from '../audit/chain';
import { withTransaction, type Queryable } from '../db/tx';
import { HttpError, validate } from '../http/errors';
import { metrics } from '../metrics';
import { policyFor } from '../policies/store';
import { importDeviceKey } from '../routes/build';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { recordClockOffset } from './clock';
import { deregisterLaptop } from './deregister';
import { generateEnrollmentCode, hashEnrollmentCode, normalizeEnrollmentCode } from './enrollment-code';
import {
  assertKeysUnused,
  DEVICE_COLUMNS,
  findDevice,
  insertDevice,
  toDeviceRecord,
  type DeviceRow,
} from './store';

/** The key as every registration stores it (SPKI PEM as Node writes it), whatever spelling came in. */
const canonicalPem = (pem: string) => publicKeyPem(importDeviceKey(pem));

const deviceExists = () => new HttpError(409, TrustErrorCode.DEVICE_EXISTS, 'Device id already registered');
const fingerprintMismatch = () =>
  new HttpError(403, TrustErrorCode.DEVICE_FINGERPRINT_MISMATCH, 'Device fingerprint does not match');
const codeInvalid = () =>
  new HttpError(403, TrustErrorCode.ENROLLMENT_CODE_INVALID, 'Enrollment code invalid, used or expired');

/** An enrollment code as its redemption returns it. */
interface RedeemedCode {
  id: string;
  tenant_type: 'merchant' | 'agent' | 'school';
  tenant_id: string;
  country: string;
  currency_default: string;
}

/**
 * A till enrolling under an id that is already registered (issue #16): its data directory was
 * deleted, its identity key stayed in the keychain, and a manager gave it a fresh code. The route
 * has already verified the request's signature with the body's `pubkey_pem` (proof of possession),
 * so it is the same device only when that key, its X25519 key and its fingerprint are the ones
 * registered; then it must be active and the code's tenant must be its own. It keeps its id and its
 * sales sequence; its country and currency follow the code, the manager's current word. Anything
 * else refuses and rolls the redemption back, so the code is not spent.
 */
async function reenrollment(
  client: Queryable,
  code: RedeemedCode,
  body: Pick<EnrollRequest, 'device_id' | 'pubkey_pem' | 'x25519_pub' | 'fingerprint' | 'name' | 'platform'>,
): Promise<DeviceRow> {
  const existing = await findDevice(client, body.device_id, true);
  const sameKeys =
    existing !== undefined &&
    existing.enrolled_via !== 'user' &&
    existing.pubkey_pem.replace(/\s/g, '') === body.pubkey_pem.replace(/\s/g, '') &&
    existing.x25519_pub === body.x25519_pub &&
    existing.fingerprint === body.fingerprint;
  if (!sameKeys) throw deviceExists();
  if (existing.status !== 'active')
    throw new HttpError(
      403,
      TrustErrorCode.DEVICE_REVOKED,
      'This device was revoked: a new enrollment code does not bring it back',
    );
  if (existing.tenant_type !== code.tenant_type || existing.tenant_id !== code.tenant_id)
    throw new HttpError(409, TrustErrorCode.DEVICE_EXISTS, 'Device id already registered to another tenant');
  const { rows } = await client.query<DeviceRow>(
    `UPDATE offline_devices SET country = $2, currency_default = $3, name = coalesce($4, name),
       platform = coalesce($5, platform), updated_at = now()
     WHERE device_id = $1 RETURNING ${DEVICE_COLUMNS}`,
    [body.device_id, code.country, code.currency_default, body.name ?? null, body.platform ?? null],
  );
  return rows[0]!;
}

type DeviceHandlerNames =
  | 'registerTerminal'
  | 'createEnrollmentCode'
  | 'enroll'
  | 'checkIn'
  | 'registerUserDevice'
  | 'listUserDevices'
  | 'deregisterUserDevice'
  | 'serverKeys';

export function deviceHandlers(deps: TrustDeps): Pick<Handlers, DeviceHandlerNames> {
  const { pool } = deps;
  return {
    registerTerminal: async ({ body, user }) => {
      const keys = { ...body, pubkey_pem: canonicalPem(body.pubkey_pem) };
      const device = await withTransaction(pool, async (client) => {
        await assertKeysUnused(client, keys);
        const row = await insertDevice(client, { ...keys, enrolled_via: 'admin' });
        if (!row) throw deviceExists();
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'device.registered',
          targetType: 'device',
          targetId: row.device_id,
          details: {
            via: 'admin',
            tenant_type: body.tenant_type,
            tenant_id: body.tenant_id,
            country: body.country,
          },
        });
        return row;
      });
      metrics.devicesRegistered.inc({ via: 'admin' });
      return { body: toDeviceRecord(device) };
    },

    createEnrollmentCode: async ({ body, user }) => {
      const code = generateEnrollmentCode();
      const hash = hashEnrollmentCode(deps.codeKey, normalizeEnrollmentCode(code)!);
      const expiresAt = await withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ id: string; expires_at: Date }>(
          `INSERT INTO enrollment_codes (code_hash, tenant_type, tenant_id, country, currency_default, label, created_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(hours => $8)) RETURNING id, expires_at`,
          [
            hash,
            body.tenant_type,
            body.tenant_id,
            body.country,
            body.currency_default,
            body.label ?? null,
            user.id,
            body.expires_in_hours,
          ],
        );
        const row = rows[0]!;
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'enrollment_code.issued',
          targetType: 'enrollment_code',
          targetId: row.id,
          details: {
            tenant_type: body.tenant_type,
            tenant_id: body.tenant_id,
            country: body.country,
            expires_at: row.expires_at.toISOString(),
          },
        });
        return row.expires_at;
      });
      return { body: { code, qr_payload: code, expires_at: expiresAt.toISOString() } };
    },

    enroll: async ({ body, tx }) => {
      const normalized = normalizeEnrollmentCode(body.code);
      const result = await tx(async (client) => {
        if (!normalized) throw codeInvalid();
        // The conditional UPDATE is the redemption: of two devices racing one code, one matches.
        const { rows } = await client.query<RedeemedCode>(
          `UPDATE enrollment_codes SET redeemed_at = now(), redeemed_device_id = $2
           WHERE code_hash = $1 AND redeemed_at IS NULL AND expires_at > now()
           RETURNING id, tenant_type, tenant_id, country, currency_default`,
          [hashEnrollmentCode(deps.codeKey, normalized), body.device_id],
        );
        const code = rows[0];
        if (!code) throw codeInvalid();
        const pubkeyPem = canonicalPem(body.pubkey_pem);
        await assertKeysUnused(client, { ...body, pubkey_pem: pubkeyPem });
        const fresh = await insertDevice(client, {
          device_id: body.device_id,
          enrolled_via: 'code',
          tenant_type: code.tenant_type,
          tenant_id: code.tenant_id,
          country: code.country,
          currency_default: code.currency_default,
          fingerprint: body.fingerprint,
          name: body.name ?? null,
          platform: body.platform ?? null,
          pubkey_pem: pubkeyPem,
          x25519_pub: body.x25519_pub,
        });
        // The id is taken: the same till coming back after its data directory was deleted, or not.
        const device = fresh ?? (await reenrollment(client, code, { ...body, pubkey_pem: pubkeyPem }));
        const common = { actorType: 'device' as const, actorId: device.device_id };
        await appendAudit(client, {
          ...common,
          action: 'enrollment_code.redeemed',
          targetType: 'enrollment_code',
          targetId: code.id,
        });
        await appendAudit(client, {
          ...common,
          action: fresh ? 'device.registered' : 'device.reenrolled',
          targetType: 'device',
          targetId: device.device_id,
          details: {
            via: 'code',
            tenant_type: code.tenant_type,
            tenant_id: code.tenant_id,
            country: code.country,
          },
        });
        return { device, fresh: fresh !== undefined, policy: await policyFor(client, code.country) };
      });
      if (result.fresh) metrics.devicesRegistered.inc({ via: 'code' });
      const serverTime = new Date().toISOString();
      return {
        body: {
          device: toDeviceRecord(result.device),
          server: {
            signing_public_key_pem: deps.keys.signing.publicKeyPem,
            hpke_public_key: deps.keys.hpke.publicKeyRaw,
          },
          policy: result.policy,
          server_time: serverTime,
          // As on check-in: the till's first policy and time, bound to its request (#16).
          statement: signServerStatement(deps.keys.signing, {
            device_id: result.device.device_id,
            request_nonce: body.request_nonce ?? null,
            server_time: serverTime,
            licences: [],
            policy: result.policy,
            // The key the till seals its bundles to: a proxy's own key would make them unreadable here.
            hpke: {
              public_key: deps.keys.hpke.publicKeyRaw,
              key_id: serverKeyId(deps.keys.hpke.publicKeyRaw),
            },
          }),
        },
      };
    },

    checkIn: async ({ body, device, req, tx }) => {
      if (device.status !== 'active') {
        // Signed and bound to the till's nonce: a till marks itself revoked only on this (#16).
        throw new HttpError(404, TrustErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked', {
          statement: signServerStatement(deps.keys.signing, {
            device_id: device.device_id,
            request_nonce: body.request_nonce ?? null,
            server_time: new Date().toISOString(),
            licences: [],
            device_status: 'revoked',
          }),
        });
      }
      const header = req.get(FINGERPRINT_HEADER);
      const claimed = [body.fingerprint, header === undefined ? undefined : validate(Fingerprint, header)];
      for (const fingerprint of claimed) {
        if (fingerprint !== undefined && device.fingerprint !== null && fingerprint !== device.fingerprint) {
          throw fingerprintMismatch();
        }
      }
      const policy = await tx(async (client) => {
        await client.query('UPDATE offline_devices SET last_seen_at = now() WHERE device_id = $1', [
          device.device_id,
        ]);
        await recordClockOffset(client, device.device_id, req);
        return policyFor(client, device.country);
      });
      const serverTime = new Date().toISOString();
      return {
        body: {
          device_id: device.device_id,
          status: device.status,
          server_time: serverTime,
          policy,
          // A till saves the policy and moves its clock only on this, bound to its request (#16).
          statement: signServerStatement(deps.keys.signing, {
            device_id: device.device_id,
            request_nonce: body.request_nonce ?? null,
            server_time: serverTime,
            licences: [],
            policy,
            device_status: 'active',
          }),
        },
      };
    },

    registerUserDevice: async ({ body: sent, user }) => {
      const body = { ...sent, pubkey_pem: canonicalPem(sent.pubkey_pem) };
      const outcome = await withTransaction(pool, async (client) => {
        // Serialises this user's registrations, so concurrent ones cannot overshoot the limit.
        await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
        const existing = await findDevice(client, body.device_id, true);
        if (existing && existing.user_id !== user.id) throw deviceExists();
        if (existing?.status === 'active') {
          if (existing.fingerprint !== body.fingerprint) throw fingerprintMismatch();
          return { status: 200, device: existing };
        }
        const { rows } = await client.query<{ n: number }>(
          "/* citus: multi-shard: a per-user device limit, across devices */ SELECT count(*)::int AS n FROM offline_devices WHERE user_id = $1 AND status = 'active'",
          [user.id],
        );
        if ((rows[0]?.n ?? 0) >= MAX_DEVICES_PER_USER) {
          throw new HttpError(
            403,
            TrustErrorCode.DEVICE_LIMIT_EXCEEDED,
            `At most ${MAX_DEVICES_PER_USER} active devices per user`,
          );
        }
        await assertKeysUnused(client, body);
        let device: DeviceRow | undefined;
        if (existing) {
          // The user's own revoked device coming back: it gets a fresh identity on the same id.
          const updated = await client.query<DeviceRow>(
            `UPDATE offline_devices SET status = 'active', revoked_at = NULL, updated_at = now(), fingerprint = $2,
               name = $3, platform = $4, pubkey_pem = $5, x25519_pub = $6
             WHERE device_id = $1 RETURNING ${DEVICE_COLUMNS}`,
            [body.device_id, body.fingerprint, body.name, body.platform, body.pubkey_pem, body.x25519_pub],
          );
          device = updated.rows[0];
        } else {
          device = await insertDevice(client, { ...body, user_id: user.id, enrolled_via: 'user' });
        }
        if (!device) throw deviceExists();
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'device.registered',
          targetType: 'device',
          targetId: device.device_id,
          details: { via: 'user', platform: body.platform, reactivated: existing !== undefined },
        });
        return { status: 201, device };
      });
      if (outcome.status === 201) metrics.devicesRegistered.inc({ via: 'user' });
      return { status: outcome.status, body: toDeviceRecord(outcome.device) };
    },

    listUserDevices: async ({ user }) => {
      const { rows } = await pool.query<DeviceRow>(
        `/* citus: multi-shard: a user lists the devices they enrolled */ SELECT ${DEVICE_COLUMNS} FROM offline_devices WHERE user_id = $1 ORDER BY created_at DESC, device_id`,
        [user.id],
      );
      return { body: { devices: rows.map(toDeviceRecord) } };
    },

    serverKeys: () =>
      Promise.resolve({
        body: {
          signing_public_key_pem: deps.keys.signing.publicKeyPem,
          hpke_public_key: deps.keys.hpke.publicKeyRaw,
        },
      }),

    deregisterUserDevice: async ({ params, user }) => {
      const result = await withTransaction(pool, (client) =>
        deregisterLaptop(client, params.device_id, user.id, user.id),
      );
      if (!result)
        throw new HttpError(404, TrustErrorCode.DEVICE_NOT_FOUND, 'Device not registered or revoked');
      return { body: result };
    },
  };
}
