import type pg from 'pg';

/**
 * The pull change counters (docs/scaling.md "Pull cursors"), taken by the statements that write a
 * counted table: Citus runs no triggers on distributed tables (migration 1796491200000). Taking a
 * number upserts the counter's row, which stays locked until the writer's COMMIT, so within one
 * device or tenant numbers commit in their order and a pull that has seen N has seen everything
 * below it. The SQL lint (server/db/sql-lint.ts, rule `change-seq`) refuses a write of a counted
 * table that does not set change_seq.
 */
export const COUNTED_TABLES = ['offline_catalog_items', 'offline_tx_bundles'] as const;

/**
 * A CTE `change(value)` taking the device's next number; `device` is the statement's parameter
 * holding the device id (e.g. `$2`). The counter is keyed and distributed by device_id, colocated
 * with the bundles: the statement that writes a bundle with it stays on the device's shard.
 */
export const deviceChangeCte = (device: string): string =>
  `change AS (
     INSERT INTO offline_device_changes AS c (device_id, value) VALUES (${device}::text, 1)
     ON CONFLICT (device_id) DO UPDATE SET value = c.value + 1 RETURNING c.value)`;

/**
 * The tenant's next catalog number, its row locked until the caller's transaction ends: call it in
 * the transaction that writes the items, before writing them with `change_seq = <it>`. A statement
 * of its own: the counter sits on the coordinator and the items in a reference table.
 */
export async function nextTenantChange(
  client: pg.PoolClient,
  t: { tenant_type: string; tenant_id: string },
): Promise<string> {
  const { rows } = await client.query<{ value: string }>(
    `INSERT INTO offline_change_counters AS c (scope, value) VALUES ($1, 1)
     ON CONFLICT (scope) DO UPDATE SET value = c.value + 1 RETURNING c.value::text AS value`,
    [tenantScope(t)],
  );
  return rows[0]!.value;
}

export const tenantScope = (t: { tenant_type: string; tenant_id: string }): string =>
  `tenant:${t.tenant_type}:${t.tenant_id}`;
