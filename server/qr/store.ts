import type { IssuerKey, IssuerKeyInput } from '../../protocol/qr/formats';
import { appendAudit } from '../audit/chain';
import type { Queryable } from '../db/tx';

/** Payment issuer keys (table qr_issuer_keys): what terminals verify customer payment QR codes with. */

export async function activeIssuerKeys(db: Queryable): Promise<IssuerKey[]> {
  const { rows } = await db.query<IssuerKey>(
    `SELECT issuer_id, key_id, name, public_key FROM qr_issuer_keys
      WHERE active ORDER BY issuer_id, key_id`,
  );
  return rows;
}

export async function upsertIssuerKey(
  db: Queryable,
  input: IssuerKeyInput,
  userId: string,
): Promise<IssuerKey> {
  const { rows } = await db.query<IssuerKey & { active: boolean }>(
    `INSERT INTO qr_issuer_keys (issuer_id, key_id, name, public_key, active, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (issuer_id, key_id) DO UPDATE
       SET name = EXCLUDED.name, public_key = EXCLUDED.public_key, active = EXCLUDED.active,
           updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
     RETURNING issuer_id, key_id, name, public_key, active`,
    [input.issuer_id, input.key_id, input.name, input.public_key, input.active, userId],
  );
  const row = rows[0]!;
  await appendAudit(db, {
    actorType: 'user',
    actorId: userId,
    action: row.active ? 'qr.issuer_key.set' : 'qr.issuer_key.withdrawn',
    targetType: 'qr_issuer_key',
    targetId: `${row.issuer_id}/${row.key_id}`,
    details: { name: row.name },
  });
  return { issuer_id: row.issuer_id, key_id: row.key_id, name: row.name, public_key: row.public_key };
}
