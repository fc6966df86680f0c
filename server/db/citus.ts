import type pg from 'pg';
import type { Logger } from '../logger';
import { COORDINATOR_TABLES, DEVICE_TABLES, DISTRIBUTION_COLUMN, REFERENCE_TABLES } from './citus-layout';

/**
 * The Citus-only step (issue #23 item 3, docs/scaling.md "The Citus layout"): after the
 * migrations, on a database where the `citus` extension is installed, each table is placed as
 * citus-layout.ts says. Plain PostgreSQL and PGlite have no such functions, so the migrations
 * cannot call them; this step does nothing there. It is idempotent (a table Citus already knows,
 * in pg_dist_partition, is skipped), so every server and worker may run it at every start; a
 * lock makes starts take turns.
 */

/** The table every device table is colocated with: its shards decide where a device lives. */
export const COLOCATION_SOURCE = 'offline_devices';
/** node-pg-migrate's bookkeeping stays a plain table of the coordinator, unknown to Citus. */
const LEFT_PLAIN = new Set<string>(['pgmigrations']);
const LOCK = "hashtextextended('outpost:citus-placement', 0)";

export interface ForeignKey {
  /** The table holding the key. */
  from: string;
  /** The table it references. */
  to: string;
}

export interface Placement {
  table: string;
  kind: 'reference' | 'distributed' | 'local';
  sql: string;
}

const quoted = (table: string) => `'${table.replace(/'/g, "''")}'`;

function placement(table: string, kind: Placement['kind']): Placement {
  const sql =
    kind === 'reference'
      ? `SELECT create_reference_table(${quoted(table)})`
      : kind === 'local'
        ? `SELECT citus_add_local_table_to_metadata(${quoted(table)})`
        : table === COLOCATION_SOURCE
          ? `SELECT create_distributed_table(${quoted(table)}, '${DISTRIBUTION_COLUMN}')`
          : `SELECT create_distributed_table(${quoted(table)}, '${DISTRIBUTION_COLUMN}', colocate_with => ${quoted(COLOCATION_SOURCE)})`;
  return { table, kind, sql };
}

/** `tables` ordered so that a table comes after every table of the list it references (layout order otherwise). */
function referencedFirst(tables: readonly string[], fks: readonly ForeignKey[]): string[] {
  const inGroup = new Set(tables);
  const out: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (t: string) => {
    if (done.has(t) || visiting.has(t)) return; // a cycle: Citus takes it as it comes
    visiting.add(t);
    for (const fk of fks) if (fk.from === t && fk.to !== t && inGroup.has(fk.to)) visit(fk.to);
    visiting.delete(t);
    done.add(t);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

/**
 * What the step would send, in order: reference tables (distributed and local tables may
 * reference them), then the colocation source, then the other device tables, then the
 * coordinator's tables; within each group a referenced table before the tables referencing it.
 * Tables in `placed` are left out.
 */
export function citusPlacements(
  fks: readonly ForeignKey[],
  placed: ReadonlySet<string> = new Set(),
): Placement[] {
  const devices = DEVICE_TABLES.filter((t) => t !== COLOCATION_SOURCE);
  const groups: [readonly string[], Placement['kind']][] = [
    [referencedFirst(REFERENCE_TABLES, fks), 'reference'],
    [[COLOCATION_SOURCE], 'distributed'],
    [referencedFirst(devices, fks), 'distributed'],
    [
      referencedFirst(
        Object.keys(COORDINATOR_TABLES).filter((t) => !LEFT_PLAIN.has(t)),
        fks,
      ),
      'local',
    ],
  ];
  return groups.flatMap(([tables, kind]) =>
    tables.filter((t) => !placed.has(t)).map((t) => placement(t, kind)),
  );
}

/** The foreign keys between the schema's tables, as the database holds them. */
export async function foreignKeys(db: Pick<pg.Pool, 'query'>): Promise<ForeignKey[]> {
  const { rows } = await db.query<ForeignKey>(
    `SELECT DISTINCT c.conrelid::regclass::text AS from, c.confrelid::regclass::text AS to
       FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
      WHERE c.contype = 'f' AND r.relnamespace = 'public'::regnamespace
      ORDER BY 1, 2`,
  );
  return rows;
}

export async function hasCitus(db: Pick<pg.Pool, 'query'>): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`);
  return rows.length > 0;
}

/** Places every table not placed yet; returns the statements sent (none without Citus). */
export async function placeOnCitus(pool: pg.Pool, logger?: Logger): Promise<string[]> {
  if (!(await hasCitus(pool))) return [];
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${LOCK})`);
    try {
      const { rows } = await client.query<{ table: string }>(
        `SELECT logicalrelid::regclass::text AS table FROM pg_dist_partition`,
      );
      const steps = citusPlacements(await foreignKeys(client), new Set(rows.map((r) => r.table)));
      for (const step of steps) await client.query(step.sql);
      if (steps.length > 0)
        logger?.info({ placed: steps.map((s) => `${s.table} (${s.kind})`) }, 'tables placed on Citus');
      return steps.map((s) => s.sql);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCK})`);
    }
  } finally {
    client.release();
  }
}
