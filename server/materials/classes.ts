import { randomUUID } from 'node:crypto';
import {
  CLASS_ERROR_STATUS,
  type ClassErrorCode,
  type ClassRecord,
  type MaterialLicenceRecord,
} from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import { withTransaction, type Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import { effectiveStatus, HELD, type LicenceRow } from '../licences/store';
import type { TrustDeps } from '../routes/deps';
import type { AuthUser, Handlers } from '../routes/types';
import { MAY_TAKE, ownedMaterial } from './store';

/**
 * A teacher's classes (issue #19, item 9) and a material's licences, for the back office. Access
 * through a class is never copied into grants: MAY_TAKE derives it, so these handlers only change
 * the class and then revoke the live licences whose student may no longer take the material.
 */

type ClassHandlerNames =
  | 'listClasses'
  | 'createClass'
  | 'addClassMembers'
  | 'removeClassMembers'
  | 'deleteClass'
  | 'grantClassMaterial'
  | 'withdrawClassMaterial'
  | 'listMaterialLicences';

const classError = (code: ClassErrorCode, message: string) =>
  new HttpError(CLASS_ERROR_STATUS[code], code, message);

const normalised = (emails: readonly string[]) => [...new Set(emails.map((e) => e.toLowerCase()))].sort();

/**
 * The caller's own class, locked for the change; another teacher's answers 404 as an unknown one
 * does, so a class id tells a stranger nothing.
 */
async function ownedClass(db: Queryable, classId: string, user: AuthUser): Promise<void> {
  const { rows } = await db.query(
    'SELECT 1 FROM offline_classes WHERE id = $1 AND owner_id = $2 FOR UPDATE',
    [classId, user.id],
  );
  if (!rows[0]) throw classError('CLASS_NOT_FOUND', 'No such class of yours');
}

async function readClasses(db: Queryable, ownerId: string, classId?: string): Promise<ClassRecord[]> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    created_at: Date;
    members: string[];
    material_ids: string[];
  }>(
    `SELECT c.id, c.name, c.created_at,
       ARRAY(SELECT cm.email FROM offline_class_members cm WHERE cm.class_id = c.id ORDER BY cm.email) AS members,
       ARRAY(SELECT cg.material_id::text FROM offline_class_grants cg WHERE cg.class_id = c.id
             ORDER BY cg.created_at, cg.material_id) AS material_ids
     FROM offline_classes c WHERE c.owner_id = $1 AND ($2::uuid IS NULL OR c.id = $2)
     ORDER BY c.name, c.id`,
    [ownerId, classId ?? null],
  );
  return rows.map((r) => ({
    class_id: r.id,
    name: r.name,
    members: r.members,
    material_ids: r.material_ids,
    created_at: r.created_at.toISOString(),
  }));
}

/**
 * Revokes the live licences, of `materialIds`, of the users with `emails` who may no longer take
 * them (MAY_TAKE: a direct grant or another class keeps one). Their laptops learn it, signed, at
 * their next sync.
 */
async function revokeLostAccess(
  db: Queryable,
  emails: readonly string[],
  materialIds: readonly string[],
  reason: string,
): Promise<number> {
  if (emails.length === 0 || materialIds.length === 0) return 0;
  const { rowCount } = await db.query(
    `/* citus: multi-shard: revoking a class on every device */ UPDATE offline_licenses l
     SET status = 'revoked', revoked_at = now(), revoke_reason = $3, updated_at = now()
     FROM users u, offline_materials m
     WHERE l.user_id = u.id AND l.material_id = m.id::text AND u.email = ANY($1::text[])
       AND m.id = ANY($2::uuid[]) AND l.status = ANY($4::text[]) AND NOT ${MAY_TAKE}`,
    [emails, materialIds, reason, HELD],
  );
  return rowCount ?? 0;
}

const grantedTo = async (db: Queryable, classId: string) =>
  (
    await db.query<{ material_id: string }>(
      'SELECT material_id FROM offline_class_grants WHERE class_id = $1',
      [classId],
    )
  ).rows.map((r) => r.material_id);

export function classHandlers(deps: TrustDeps): Pick<Handlers, ClassHandlerNames> {
  const { pool } = deps;

  /** One audited change to one of the caller's classes, in one transaction. */
  function change<T>(
    user: AuthUser,
    classId: string,
    action: string,
    fn: (client: Queryable) => Promise<{ result: T; details: Record<string, unknown> }>,
  ): Promise<T> {
    return withTransaction(pool, async (client) => {
      await ownedClass(client, classId, user);
      const { result, details } = await fn(client);
      await appendAudit(client, {
        actorType: 'user',
        actorId: user.id,
        action,
        targetType: 'class',
        targetId: classId,
        details,
      });
      return result;
    });
  }

  return {
    listClasses: async ({ user }) => ({ body: { classes: await readClasses(pool, user.id) } }),

    createClass: async ({ body, user }) => {
      const emails = normalised(body.emails);
      const created = await withTransaction(pool, async (client) => {
        const id = randomUUID();
        const { rowCount } = await client.query(
          `INSERT INTO offline_classes (id, owner_id, name) VALUES ($1, $2, $3)
           ON CONFLICT (owner_id, name) DO NOTHING`,
          [id, user.id, body.name],
        );
        if (!rowCount) throw classError('CLASS_EXISTS', 'You have a class of this name already');
        await client.query(
          'INSERT INTO offline_class_members (class_id, email) SELECT $1, e FROM unnest($2::text[]) AS e',
          [id, emails],
        );
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'class.created',
          targetType: 'class',
          targetId: id,
          details: { members: emails.length },
        });
        return (await readClasses(client, user.id, id))[0]!;
      });
      return { body: created };
    },

    addClassMembers: async ({ params, body, user }) => {
      const emails = normalised(body.emails);
      const added = await change(user, params.class_id, 'class.members_added', async (client) => {
        const { rowCount } = await client.query(
          `INSERT INTO offline_class_members (class_id, email) SELECT $1, e FROM unnest($2::text[]) AS e
           ON CONFLICT DO NOTHING`,
          [params.class_id, emails],
        );
        return { result: rowCount ?? 0, details: { emails: emails.length, added: rowCount ?? 0 } };
      });
      return { body: { added } };
    },

    removeClassMembers: async ({ params, body, user }) => {
      const emails = normalised(body.emails);
      const counts = await change(user, params.class_id, 'class.members_removed', async (client) => {
        const removed = await client.query<{ email: string }>(
          'DELETE FROM offline_class_members WHERE class_id = $1 AND email = ANY($2::text[]) RETURNING email',
          [params.class_id, emails],
        );
        const revoked = await revokeLostAccess(
          client,
          removed.rows.map((r) => r.email),
          await grantedTo(client, params.class_id),
          'removed from the class',
        );
        const n = { removed: removed.rowCount ?? 0, licenses_revoked: revoked };
        return { result: n, details: { emails: emails.length, ...n } };
      });
      return { body: counts };
    },

    // Deleting a class removes every student from it at once: the same revocation, after the class
    // (and with it, by cascade, its members and grants) is gone, so MAY_TAKE no longer counts it.
    deleteClass: async ({ params, user }) => {
      const counts = await change(user, params.class_id, 'class.deleted', async (client) => {
        const { name, members } = (await readClasses(client, user.id, params.class_id))[0]!;
        const materials = await grantedTo(client, params.class_id);
        await client.query('DELETE FROM offline_classes WHERE id = $1', [params.class_id]);
        const revoked = await revokeLostAccess(client, members, materials, 'the class was deleted');
        const n = { members: members.length, materials: materials.length, licenses_revoked: revoked };
        return { result: n, details: { name, ...n } };
      });
      return { body: counts };
    },

    grantClassMaterial: async ({ params, body, user }) => {
      const granted = await change(user, params.class_id, 'class.material_granted', async (client) => {
        await ownedMaterial(client, body.material_id, user.id);
        const { rowCount } = await client.query(
          `INSERT INTO offline_class_grants (class_id, material_id, granted_by) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [params.class_id, body.material_id, user.id],
        );
        // Granted again: a licence revoked earlier no longer bars the class's students from it.
        const lifted = await client.query(
          `DELETE FROM offline_material_bars b USING offline_class_members cm
           WHERE b.material_id = $2 AND cm.class_id = $1 AND cm.email = b.email`,
          [params.class_id, body.material_id],
        );
        const n = rowCount === 1;
        return {
          result: n,
          details: { material_id: body.material_id, newly_granted: n, bars_lifted: lifted.rowCount ?? 0 },
        };
      });
      return { body: { granted } };
    },

    withdrawClassMaterial: async ({ params, user }) => {
      const licensesRevoked = await change(
        user,
        params.class_id,
        'class.material_withdrawn',
        async (client) => {
          await ownedMaterial(client, params.material_id, user.id);
          await client.query('DELETE FROM offline_class_grants WHERE class_id = $1 AND material_id = $2', [
            params.class_id,
            params.material_id,
          ]);
          const members = await client.query<{ email: string }>(
            'SELECT email FROM offline_class_members WHERE class_id = $1',
            [params.class_id],
          );
          const revoked = await revokeLostAccess(
            client,
            members.rows.map((r) => r.email),
            [params.material_id],
            'withdrawn from the class',
          );
          return {
            result: revoked,
            details: { material_id: params.material_id, licenses_revoked: revoked },
          };
        },
      );
      return { body: { licenses_revoked: licensesRevoked } };
    },

    listMaterialLicences: async ({ params, user }) => {
      await ownedMaterial(pool, params.material_id, user.id);
      // A licence a renewal replaced (cancelled) is not listed: its successor is.
      const { rows } = await pool.query<
        LicenceRow & {
          user_email: string | null;
          device_name: string | null;
          issued_at: Date;
          grace: number | null;
          revoked_at: Date | null;
          revoke_reason: string | null;
        }
      >(
        `SELECT l.id, l.status, l.expires_at, l.issued_at, l.device_id, l.revoked_at, l.revoke_reason,
           u.email AS user_email, d.name AS device_name, (l.licence->>'offline_grace_hours')::int AS grace
         FROM offline_licenses l
         LEFT JOIN users u ON u.id = l.user_id
         LEFT JOIN offline_devices d ON d.device_id = l.device_id
         WHERE l.material_id = $1 AND l.status <> 'cancelled'
         ORDER BY l.issued_at DESC, l.id LIMIT 1000`,
        [params.material_id],
      );
      const licences: MaterialLicenceRecord[] = rows.map((r) => ({
        license_id: r.id,
        user_email: r.user_email,
        device_id: r.device_id,
        device_name: r.device_name,
        status: effectiveStatus(r),
        issued_at: r.issued_at.toISOString(),
        expires_at: r.expires_at.toISOString(),
        offline_grace_hours: r.grace,
        revoked_at: r.revoked_at?.toISOString() ?? null,
        revoke_reason: r.revoke_reason,
      }));
      return { body: { licences } };
    },
  };
}
