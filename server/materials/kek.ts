import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { canonicalBytes } from '../../protocol/crypto';
import { appendAudit } from '../audit/chain';
import type { Queryable } from '../db/tx';
import { withTransaction } from '../db/tx';

/**
 * Key encryption keys. KEK_v = HKDF-SHA256(master secret, salt_v, "outpost:kek:v<v>"): the salt is
 * random per version and stored, the master secret never is, so the database alone unwraps nothing.
 * A CEK is wrapped with AES-256-GCM under the KEK, with aad = {material_id, kek_version}: a wrapped
 * CEK cannot be moved to another material or relabelled with another version.
 */

export interface KekVersion {
  version: number;
  salt: string;
}

function kekOf(master: Buffer, v: KekVersion): Buffer {
  return Buffer.from(
    hkdfSync('sha256', master, Buffer.from(v.salt, 'base64url'), `outpost:kek:v${v.version}`, 32),
  );
}

const aadOf = (materialId: string, version: number) =>
  canonicalBytes({ material_id: materialId, kek_version: version });

export function sealCek(master: Buffer, kek: KekVersion, materialId: string, cek: Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kekOf(master, kek), iv);
  cipher.setAAD(aadOf(materialId, kek.version));
  const ct = Buffer.concat([cipher.update(cek), cipher.final()]);
  return ['v1', iv, ct, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function openCek(master: Buffer, kek: KekVersion, materialId: string, sealed: string): Buffer {
  const [v, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct || !tag) throw new Error(`CEK of ${materialId}: unknown format`);
  const decipher = createDecipheriv('aes-256-gcm', kekOf(master, kek), Buffer.from(iv, 'base64url'));
  decipher.setAAD(aadOf(materialId, kek.version));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    const cek = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
    if (cek.length !== 32) throw new Error('not 32 bytes');
    return cek;
  } catch (err) {
    throw new Error(
      `CEK of ${materialId} does not unwrap under KEK v${kek.version}: wrong master secret or altered row`,
      { cause: err },
    );
  }
}

/** The version new CEKs are wrapped with; version 1 is created on first use. */
export async function currentKek(db: Queryable): Promise<KekVersion> {
  await db.query(
    'INSERT INTO offline_kek_versions (version, salt) VALUES (1, $1) ON CONFLICT (version) DO NOTHING',
    [randomBytes(32).toString('base64url')],
  );
  const { rows } = await db.query<KekVersion>(
    'SELECT version, salt FROM offline_kek_versions ORDER BY version DESC LIMIT 1',
  );
  return rows[0]!;
}

/** The material's CEK, unwrapped; undefined when it has none yet (not encrypted). */
export async function loadCek(
  db: Queryable,
  master: Buffer,
  materialId: string,
): Promise<Buffer | undefined> {
  const { rows } = await db.query<KekVersion & { wrapped_cek: string }>(
    `SELECT c.wrapped_cek, k.version, k.salt FROM offline_ceks c
     JOIN offline_kek_versions k ON k.version = c.kek_version WHERE c.material_id = $1`,
    [materialId],
  );
  const row = rows[0];
  return row ? openCek(master, row, materialId, row.wrapped_cek) : undefined;
}

export async function storeCek(db: Queryable, master: Buffer, materialId: string, cek: Uint8Array) {
  const kek = await currentKek(db);
  // EXCLUDED.created_at is this transaction's now() (the column default): Citus refuses now()
  // itself in DO UPDATE.
  await db.query(
    `INSERT INTO offline_ceks (material_id, kek_version, wrapped_cek) VALUES ($1, $2, $3)
     ON CONFLICT (material_id) DO UPDATE SET kek_version = EXCLUDED.kek_version,
       wrapped_cek = EXCLUDED.wrapped_cek, rewrapped_at = EXCLUDED.created_at`,
    [materialId, kek.version, sealCek(master, kek, materialId, cek)],
  );
}

/**
 * Adds a KEK version and re-wraps every CEK under it, in one transaction: either all CEKs move or
 * none does. Encrypted files are untouched (their CEKs do not change). Old versions stay listed so
 * a restore of an older backup can still be read; nothing references them after this.
 */
export async function rotateKek(
  pool: pg.Pool,
  master: Buffer,
  actor: { type: 'user' | 'system'; id: string },
): Promise<{ version: number; rewrapped: number }> {
  return withTransaction(pool, async (client) => {
    await client.query('LOCK TABLE offline_kek_versions IN EXCLUSIVE MODE');
    const from = await currentKek(client);
    const to: KekVersion = { version: from.version + 1, salt: randomBytes(32).toString('base64url') };
    await client.query('INSERT INTO offline_kek_versions (version, salt) VALUES ($1, $2)', [
      to.version,
      to.salt,
    ]);
    const { rows } = await client.query<KekVersion & { material_id: string; wrapped_cek: string }>(
      `SELECT c.material_id, c.wrapped_cek, k.version, k.salt FROM offline_ceks c
       JOIN offline_kek_versions k ON k.version = c.kek_version ORDER BY c.material_id FOR UPDATE OF c`,
    );
    for (const row of rows) {
      const cek = openCek(master, row, row.material_id, row.wrapped_cek);
      await client.query(
        'UPDATE offline_ceks SET kek_version = $2, wrapped_cek = $3, rewrapped_at = now() WHERE material_id = $1',
        [row.material_id, to.version, sealCek(master, to, row.material_id, cek)],
      );
    }
    await appendAudit(client, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'kek.rotated',
      targetType: 'kek',
      targetId: String(to.version),
      details: { from_version: from.version, to_version: to.version, rewrapped: rows.length },
    });
    return { version: to.version, rewrapped: rows.length };
  });
}
