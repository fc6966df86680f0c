import type pg from 'pg';

/**
 * BENCH_PG_STATEMENTS=1: where PostgreSQL's time goes, per statement and per phase. The bench's
 * cluster loads pg_stat_statements (track = all: the statements PL/pgSQL functions run are
 * counted too, which is where the push's begin and the audit append spend theirs); each phase's
 * top statements by total execution time are reported. Off by default: the extension's own
 * bookkeeping costs a little CPU per statement, and the figures of a normal run stay comparable.
 */
export const PG_STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';

export const PG_STATEMENTS_OPTIONS = [
  "-c shared_preload_libraries='pg_stat_statements'",
  '-c pg_stat_statements.track=all',
  '-c pg_stat_statements.max=2000',
] as const;

export interface StatementFigure {
  query: string;
  calls: number;
  total_ms: number;
  mean_us: number;
  rows: number;
  /** Shared buffers read or hit per call: what a missing or extra index shows as. */
  blocks_per_call: number;
}

export async function resetStatements(pool: pg.Pool): Promise<void> {
  if (!PG_STATEMENTS) return;
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await pool.query('SELECT pg_stat_statements_reset()');
}

/** The phase's top statements by total execution time (planning is not tracked by default). */
export async function topStatements(pool: pg.Pool, limit = 25): Promise<StatementFigure[] | undefined> {
  if (!PG_STATEMENTS) return undefined;
  const { rows } = await pool.query<{
    query: string;
    calls: string;
    total: number;
    rows: string;
    blocks: string;
  }>(
    `SELECT query, calls, total_exec_time AS total, rows, shared_blks_hit + shared_blks_read AS blocks
     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
     ORDER BY total_exec_time DESC LIMIT $1`,
    [limit],
  );
  await pool.query('SELECT pg_stat_statements_reset()');
  const tables = await pool.query<{ relname: string; upd: string; hot: string }>(
    `SELECT relname, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables
     WHERE relname IN ('offline_transactions', 'offline_tx_bundles') ORDER BY relname`,
  );
  for (const t of tables.rows)
    console.log(`  ${t.relname}: ${t.upd} rows updated, ${t.hot} of them HOT (so far)`);
  return rows.map((r) => ({
    query: r.query.replace(/\s+/g, ' ').slice(0, 220),
    calls: Number(r.calls),
    total_ms: Math.round(r.total),
    mean_us: Math.round((r.total * 1000) / Math.max(1, Number(r.calls))),
    rows: Number(r.rows),
    blocks_per_call: Math.round((Number(r.blocks) / Math.max(1, Number(r.calls))) * 10) / 10,
  }));
}

export function printStatements(phase: string, figures: StatementFigure[] | undefined): void {
  if (!figures) return;
  console.log(`\nPostgreSQL statements during ${phase} (total ms, calls, µs each, blocks a call):`);
  for (const f of figures)
    console.log(
      `  ${String(f.total_ms).padStart(7)}  ${String(f.calls).padStart(7)}  ${String(f.mean_us).padStart(6)}  ${String(f.blocks_per_call).padStart(6)}  ${f.query}`,
    );
}
