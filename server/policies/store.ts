import type { Policy, PolicyInput } from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import type { Queryable } from '../db/tx';

interface PolicyRow {
  country: string;
  currency: string;
  max_offline_amount: string;
  max_offline_per_device_per_day: number;
  max_unsynced_amount: string;
  max_bundle_age_hours: number;
  approval_threshold: string;
  enabled: boolean;
  version: number;
  updated_at: Date;
}

const COLUMNS = `country, currency, max_offline_amount, max_offline_per_device_per_day, max_unsynced_amount,
  max_bundle_age_hours, approval_threshold, enabled, version, updated_at`;

// bigint columns come back as strings; the schema only lets safe integers in, so Number is exact.
function toPolicy(row: PolicyRow): Policy {
  return {
    country: row.country,
    currency: row.currency,
    max_offline_amount: Number(row.max_offline_amount),
    max_offline_per_device_per_day: row.max_offline_per_device_per_day,
    max_unsynced_amount: Number(row.max_unsynced_amount),
    max_bundle_age_hours: row.max_bundle_age_hours,
    approval_threshold: Number(row.approval_threshold),
    enabled: row.enabled,
    version: row.version,
    updated_at: row.updated_at.toISOString(),
  };
}

export async function policyFor(db: Queryable, country: string | null): Promise<Policy | null> {
  if (country === null) return null;
  const { rows } = await db.query<PolicyRow>(`SELECT ${COLUMNS} FROM offline_policies WHERE country = $1`, [
    country,
  ]);
  return rows[0] ? toPolicy(rows[0]) : null;
}

export async function listPolicies(db: Queryable): Promise<Policy[]> {
  const { rows } = await db.query<PolicyRow>(`SELECT ${COLUMNS} FROM offline_policies ORDER BY country`);
  return rows.map(toPolicy);
}

/**
 * Insert or replace; the version goes up only when a value really changes, so re-sending the
 * same policy is a no-op (no new version, no audit row).
 */
export async function upsertPolicy(client: Queryable, input: PolicyInput, actorId: string): Promise<Policy> {
  // What it was, for the audit row's before/after (issue #19); locked, so no change slips between.
  const { rows: prior } = await client.query<PolicyRow>(
    `SELECT ${COLUMNS} FROM offline_policies WHERE country = $1 FOR UPDATE`,
    [input.country],
  );
  const before = prior[0] ? toPolicy(prior[0]) : null;
  const values = [
    input.country,
    input.currency,
    input.max_offline_amount,
    input.max_offline_per_device_per_day,
    input.max_unsynced_amount,
    input.max_bundle_age_hours,
    input.approval_threshold,
    input.enabled,
    actorId,
  ];
  const { rows } = await client.query<PolicyRow & { inserted: boolean }>(
    `INSERT INTO offline_policies AS p (country, currency, max_offline_amount, max_offline_per_device_per_day,
       max_unsynced_amount, max_bundle_age_hours, approval_threshold, enabled, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (country) DO UPDATE SET
       currency = EXCLUDED.currency, max_offline_amount = EXCLUDED.max_offline_amount,
       max_offline_per_device_per_day = EXCLUDED.max_offline_per_device_per_day,
       max_unsynced_amount = EXCLUDED.max_unsynced_amount, max_bundle_age_hours = EXCLUDED.max_bundle_age_hours,
       approval_threshold = EXCLUDED.approval_threshold, enabled = EXCLUDED.enabled,
       updated_by = EXCLUDED.updated_by, version = p.version + 1, updated_at = EXCLUDED.updated_at
     WHERE (p.currency, p.max_offline_amount, p.max_offline_per_device_per_day, p.max_unsynced_amount,
            p.max_bundle_age_hours, p.approval_threshold, p.enabled)
       IS DISTINCT FROM (EXCLUDED.currency, EXCLUDED.max_offline_amount, EXCLUDED.max_offline_per_device_per_day,
            EXCLUDED.max_unsynced_amount, EXCLUDED.max_bundle_age_hours, EXCLUDED.approval_threshold, EXCLUDED.enabled)
     RETURNING ${COLUMNS.replaceAll(/(\w+)/g, 'p.$1')}`,
    values,
  );
  const changed = rows[0];
  if (!changed) {
    const current = await policyFor(client, input.country);
    if (!current) throw new Error(`policy ${input.country} vanished during upsert`);
    return current;
  }
  const policy = toPolicy(changed);
  await appendAudit(client, {
    actorType: 'user',
    actorId,
    action: 'policy.changed',
    targetType: 'policy',
    targetId: policy.country,
    details: {
      ...input,
      version: policy.version,
      before: before && limitsOf(before),
      after: limitsOf(policy),
    },
  });
  return policy;
}

/** A policy's values without its version and time: what an audit row's before/after compare. */
function limitsOf({ version: _v, updated_at: _u, ...limits }: Policy): PolicyInput {
  return limits;
}
