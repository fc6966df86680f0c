import type pg from 'pg';
import type { HealthFull } from '../../protocol/http';
import { MIGRATIONS_TABLE } from '../db/migrate';

/** A worker that has not written a heartbeat for this long is reported `stale`. */
export const HEARTBEAT_STALE_MS = 60_000;

/** Undefined when the database cannot be reached. */
export async function fullHealth(pool: pg.Pool): Promise<HealthFull | undefined> {
  try {
    const { rows } = await pool.query<{ version: string | null; applied: number; last: Date | null }>(
      `SELECT (SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id DESC LIMIT 1) AS version,
              (SELECT count(*) FROM ${MIGRATIONS_TABLE})::int AS applied,
              (SELECT max(heartbeat_at) FROM worker_heartbeats) AS last`,
    );
    const row = rows[0];
    const last = row?.last ?? null;
    const worker =
      last === null ? 'not_running' : Date.now() - last.getTime() > HEARTBEAT_STALE_MS ? 'stale' : 'running';
    return {
      status: worker === 'running' ? 'ok' : 'degraded',
      database: { status: 'connected' },
      migrations: { version: row?.version ?? null, applied: row?.applied ?? 0 },
      worker: { status: worker, last_heartbeat_at: last?.toISOString() ?? null },
      server_time: new Date().toISOString(),
    };
  } catch {
    return undefined;
  }
}
