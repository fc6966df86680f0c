import type pg from 'pg';

/**
 * What the database's client backends are doing, sampled every `everyMs` while a phase runs: how
 * many run a statement (on CPU or waiting), and how many of those wait, by wait event (a lock, I/O,
 * the client). Busy backends that mostly wait on one lock mean a serialisation point; busy backends
 * that run mean the database is the limit; idle ones mean it is not.
 */
export interface DbWaits {
  samples: number;
  /** Mean client backends with a statement in progress. */
  active: number;
  /** Mean client backends in a transaction, waiting for their client's next statement. */
  idle_in_transaction: number;
  /** Mean backends waiting, by `wait_event_type:wait_event` (active ones only). */
  waiting: Record<string, number>;
}

export function sampleDbWaits(pool: pg.Pool, everyMs = 100): { stop(): Promise<DbWaits> } {
  let samples = 0;
  let active = 0;
  let idleInTx = 0;
  const waiting: Record<string, number> = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await pool.query<{ state: string; wait: string | null }>(
        `SELECT state, wait_event_type || ':' || wait_event AS wait
           FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      samples++;
      for (const r of rows) {
        if (r.state === 'idle in transaction') idleInTx++;
        if (r.state !== 'active') continue;
        active++;
        if (r.wait) waiting[r.wait] = (waiting[r.wait] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const mean = (n: number) => Math.round((n / Math.max(1, samples)) * 100) / 100;
  return {
    async stop() {
      stopped = true;
      await loop;
      return {
        samples,
        active: mean(active),
        idle_in_transaction: mean(idleInTx),
        waiting: Object.fromEntries(
          Object.entries(waiting)
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => [k, mean(n)]),
        ),
      };
    },
  };
}
