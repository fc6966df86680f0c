import type { JobRecord, MaterialContentType, MaterialRecord, MaterialStatus } from '../../protocol/http';
import type { Manifest } from '../../protocol/chunks';
import type { Queryable } from '../db/tx';
import { materialError } from './errors';

export interface MaterialRow {
  id: string;
  owner_id: string;
  title: string;
  content_type: MaterialContentType;
  plaintext_size: string;
  status: MaterialStatus;
  manifest: Manifest | null;
  manifest_sha256: string | null;
  chunk_count: number | null;
  encrypted_size: string | null;
  created_at: Date;
}

export const MATERIAL_COLUMNS = `m.id, m.owner_id, m.title, m.content_type, m.plaintext_size, m.status, m.manifest,
  m.manifest_sha256, m.chunk_count, m.encrypted_size, m.created_at`;

export function toMaterialRecord(row: MaterialRow): MaterialRecord {
  return {
    material_id: row.id,
    title: row.title,
    content_type: row.content_type,
    plaintext_size: Number(row.plaintext_size),
    status: row.status,
    manifest_sha256: row.manifest_sha256,
    chunk_count: row.chunk_count,
    created_at: row.created_at.toISOString(),
  };
}

export async function findMaterial(
  db: Queryable,
  id: string,
  lock = false,
): Promise<MaterialRow | undefined> {
  const { rows } = await db.query<MaterialRow>(
    `SELECT ${MATERIAL_COLUMNS} FROM offline_materials m WHERE m.id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/** The caller's own material, for teacher routes; someone else's answers 403. */
export async function ownedMaterial(db: Queryable, materialId: string, userId: string): Promise<MaterialRow> {
  const material = await findMaterial(db, materialId);
  if (!material) throw materialError('MATERIAL_NOT_FOUND', 'Material not found');
  if (material.owner_id !== userId)
    throw materialError('MATERIAL_ACCESS_DENIED', 'Only the teacher who uploaded it may do this');
  return material;
}

/**
 * Whether user `u` may take material `m` (SQL over those two aliases): the uploader; a user whose
 * email was granted it; or a member of a class it is granted to, unless a licence its teacher revoked
 * barred them from it (offline_material_bars). Derived, never copied into grants, so adding a student
 * to a class gives them its materials and removing them takes away what came only through it.
 */
export const MAY_TAKE = `(m.owner_id = u.id
  OR EXISTS (SELECT 1 FROM offline_material_grants g WHERE g.material_id = m.id AND g.email = u.email)
  OR (EXISTS (SELECT 1 FROM offline_class_grants cg
              JOIN offline_class_members cm ON cm.class_id = cg.class_id
              WHERE cg.material_id = m.id AND cm.email = u.email)
      AND NOT EXISTS (SELECT 1 FROM offline_material_bars b WHERE b.material_id = m.id AND b.email = u.email)))`;

/**
 * Locks (FOR SHARE) the rows through which user `userId` may take material `materialId`: their
 * direct grant, and each class membership with the class's grant of it. Taken in the licence
 * issue's transaction before userMayTake (issue #16, twelfth pass, suspected race): a removal from
 * the class, a withdrawn class grant or a withdrawn direct grant committing between that check and
 * the licence's insert would have left a live licence its revocation never saw. Now the removal's
 * DELETE waits for the issue to commit and then revokes the new licence with the others; or it
 * committed first, and the check no longer finds the row.
 */
export async function lockAccessRows(db: Queryable, materialId: string, userId: string): Promise<void> {
  await db.query(
    `SELECT 1 FROM offline_class_members cm
     JOIN offline_class_grants cg ON cg.class_id = cm.class_id
     JOIN users u ON u.email = cm.email
     WHERE cg.material_id = $1 AND u.id = $2
     FOR SHARE OF cm, cg`,
    [materialId, userId],
  );
  await db.query(
    `SELECT 1 FROM offline_material_grants g JOIN users u ON u.email = g.email
     WHERE g.material_id = $1 AND u.id = $2 FOR SHARE OF g`,
    [materialId, userId],
  );
}

/** The uploader, or a user granted the material directly or through a class (MAY_TAKE). */
export async function userMayTake(db: Queryable, materialId: string, userId: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM offline_materials m JOIN users u ON u.id = $2
       WHERE m.id = $1 AND NOT u.disabled AND ${MAY_TAKE}
     ) AS ok`,
    [materialId, userId],
  );
  return rows[0]?.ok ?? false;
}

export interface JobRow {
  id: string;
  material_id: string;
  status: JobRecord['status'];
  attempts: number;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export const JOB_COLUMNS =
  'j.id, j.material_id, j.status, j.attempts, j.last_error, j.created_at, j.finished_at';

export function toJobRecord(row: JobRow): JobRecord {
  return {
    job_id: row.id,
    material_id: row.material_id,
    status: row.status,
    attempts: row.attempts,
    error: row.last_error,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}
