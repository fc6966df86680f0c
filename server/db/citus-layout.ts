import type pg from 'pg';

/**
 * How each table would be placed on PostgreSQL distributed by device id (Citus; docs/scaling.md
 * "The Citus layout"). Every table in the schema must appear here exactly once, so a new table
 * forces its author to decide; server/db/citus-layout.test.ts reads the real schema against it.
 */
export const DISTRIBUTION_COLUMN = 'device_id';

/** Distributed by device_id: one terminal's rows live on one shard. */
export const DEVICE_TABLES = [
  'device_nonces',
  'ledger_entries',
  'offline_bundle_nonces',
  'offline_device_blocks',
  // The device's pull counter, beside its bundles: numbering a bundle's change stays on one shard.
  'offline_device_changes',
  'offline_device_days',
  'offline_devices',
  'offline_download_events',
  'offline_licenses',
  'offline_online_authorisations',
  'offline_qr_tenders',
  'offline_reconciliation_queue',
  'offline_transactions',
  'offline_tx_bundles',
] as const;

/** Small, global, read by every shard: replicated to every node (`create_reference_table`). */
export const REFERENCE_TABLES = [
  'console_links',
  'console_sessions',
  'enrollment_codes',
  'offline_catalog_categories',
  'offline_catalog_images',
  'offline_catalog_items',
  'offline_ceks',
  'offline_class_grants',
  'offline_class_members',
  'offline_classes',
  // Every device id lower-cased: one device per id whatever its case, across shards.
  'offline_device_ids',
  'offline_kek_versions',
  'offline_material_bars',
  'offline_material_grants',
  'offline_materials',
  'offline_policies',
  // A QR token is one payment anywhere: its use is recorded once, across devices, on purpose.
  'offline_qr_uses',
  'offline_shops',
  'qr_issuer_keys',
  'refresh_tokens',
  'server_keys',
  'server_meta',
  'shop_cashier_disabled_periods',
  'shop_cashiers',
  'shop_rosters',
  'users',
] as const;

/**
 * Neither: kept on the coordinator (Citus "local" tables), with why. The audit chains and change
 * counters are keyed by chain or scope, not by device, and are written by every kind of actor.
 */
export const COORDINATOR_TABLES = {
  offline_audit_checkpoints: 'audit checkpoints, per chain; append-only triggers',
  offline_audit_heads: 'one row per audit chain (device, user or worker)',
  offline_audit_logs: 'append-only triggers, which a distributed table cannot carry',
  offline_encryption_jobs: 'a job queue per material, leased with SKIP LOCKED; a few rows a day',
  offline_material_chunks:
    'material blobs, up to 512 MiB each: a reference table would copy them to every node and commit each write on all; read by material id alone',
  offline_change_counters: "tenants' pull counters, taken before each write of the catalog",
  pgmigrations: "node-pg-migrate's own bookkeeping",
  throttle_counters: 'rate-limit counters keyed by IP or account',
  worker_heartbeats: 'one row per worker process',
} as const satisfies Record<string, string>;

/**
 * Unique indexes on device tables that cannot hold the distribution column as it stands, kept on
 * purpose; each needs the replacement named here before the table is distributed. None is left:
 * the case-insensitive device id is offline_device_ids' key (migration 1796491200100).
 */
export const KNOWN_GLOBAL_UNIQUES: Record<string, string> = {};

export interface LayoutViolation {
  table: string;
  problem: string;
}

interface KeyRow {
  table: string;
  index: string;
  primary: boolean;
  columns: (string | null)[];
}

/** Compares the live schema (public) with the lists above; empty when every rule holds. */
export async function layoutViolations(db: Pick<pg.Pool, 'query'>): Promise<LayoutViolation[]> {
  const out: LayoutViolation[] = [];
  const tables = (
    await db.query<{ table: string; has_device: boolean; device_null: boolean | null }>(
      `SELECT c.relname AS table,
              a.attname IS NOT NULL AS has_device,
              NOT a.attnotnull AS device_null
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
      [DISTRIBUTION_COLUMN],
    )
  ).rows;
  const device = new Set<string>(DEVICE_TABLES);
  const listed = new Set<string>([...DEVICE_TABLES, ...REFERENCE_TABLES, ...Object.keys(COORDINATOR_TABLES)]);
  for (const t of tables) {
    if (!listed.has(t.table))
      out.push({ table: t.table, problem: 'not placed in server/db/citus-layout.ts' });
    if (!device.has(t.table)) continue;
    if (!t.has_device) out.push({ table: t.table, problem: `no ${DISTRIBUTION_COLUMN} column` });
    else if (t.device_null) out.push({ table: t.table, problem: `${DISTRIBUTION_COLUMN} is nullable` });
  }
  const present = new Set(tables.map((t) => t.table));
  for (const t of listed)
    if (!present.has(t)) out.push({ table: t, problem: 'listed but not in the schema' });

  // Every unique index (primary keys and unique constraints are backed by one): its key columns,
  // null where a key part is an expression, which cannot be the distribution column.
  const keys = (
    await db.query<KeyRow>(
      `SELECT c.relname AS table, ic.relname AS index, i.indisprimary AS primary,
              array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
                     ORDER BY k.ord) AS columns
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND i.indisunique AND c.relname = ANY ($1)`,
      [[...DEVICE_TABLES]],
    )
  ).rows;
  for (const k of keys) {
    if (k.columns.includes(DISTRIBUTION_COLUMN) || KNOWN_GLOBAL_UNIQUES[k.index]) continue;
    const what = k.primary ? 'primary key' : `unique index ${k.index}`;
    out.push({ table: k.table, problem: `${what} lacks ${DISTRIBUTION_COLUMN}` });
  }
  for (const t of tables)
    if (device.has(t.table) && !keys.some((k) => k.table === t.table && k.primary)) {
      out.push({ table: t.table, problem: 'no primary key' });
    }
  return out.sort((a, b) => `${a.table} ${a.problem}`.localeCompare(`${b.table} ${b.problem}`));
}
