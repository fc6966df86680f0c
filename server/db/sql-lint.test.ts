import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { migrate, MIGRATIONS_DIR, sqlSections } from './migrate';
import { createPool } from './pool';
import { lintSql, lintStatement, sqlStringsOf } from './sql-lint';

/**
 * The SQL lint for a database distributed by device id (issue #23 item 3; rules in sql-lint.ts,
 * docs/scaling.md "The Citus layout"), over what the server sends: the query strings in server/,
 * the functions the migrations leave in the real database, and migrations from the first one
 * written under these rules on (earlier files are applied history and are not edited).
 */
const SERVER = fileURLToPath(new URL('..', import.meta.url));
const FIRST_LINTED_MIGRATION = '1796490900000';

function serverFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return serverFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

let pool: pg.Pool;
beforeAll(async () => {
  pool = createPool(await freshDatabase());
  await migrate(pool);
});
afterAll(async () => {
  await pool.end();
});

describe('SQL lint: the statements the server sends', () => {
  it('query strings in server/', () => {
    const files = serverFiles(SERVER);
    const strings = files.flatMap((f) => sqlStringsOf(f).map((s) => ({ ...s, file: f })));
    // The extractor finds the server's SQL (a vanished extractor would pass everything).
    expect(strings.length).toBeGreaterThan(200);
    const findings = strings.flatMap((s) => lintStatement(s.sql, `${s.file.slice(SERVER.length)}:${s.line}`));
    expect(findings).toEqual([]);
  });

  it('functions in the migrated database', async () => {
    const { rows } = await pool.query<{ name: string; body: string }>(
      `SELECT p.proname AS name, p.prosrc AS body FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prolang IN
              (SELECT oid FROM pg_language WHERE lanname IN ('sql', 'plpgsql'))`,
    );
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.flatMap((r) => lintSql(r.body, `function ${r.name}`, true))).toEqual([]);
  });

  it('migrations written under these rules', () => {
    const files = readdirSync(MIGRATIONS_DIR).filter(
      (f) => f.endsWith('.sql') && f >= FIRST_LINTED_MIGRATION,
    );
    expect(files.length).toBeGreaterThan(0);
    // Up sections: a down migration puts back what was there before, rules or not.
    const up = (f: string) => sqlSections(readFileSync(join(MIGRATIONS_DIR, f), 'utf8')).upSql;
    expect(files.flatMap((f) => lintSql(up(f), f))).toEqual([]);
  });
});

describe('SQL lint: planted bad statements', () => {
  const rules = (sql: string) => lintStatement(sql, 'planted').map((f) => f.rule);

  it('a device table read or written without device_id', () => {
    expect(rules('SELECT * FROM offline_licenses WHERE id = $1')).toEqual(['routing']);
    expect(rules('UPDATE ledger_entries SET account = $2 WHERE sale_id = $1')).toEqual(['routing']);
    expect(rules('DELETE FROM offline_tx_bundles b WHERE b.bundle_id = $1')).toEqual(['routing']);
    // A device_id in a string or a comment names nothing.
    expect(
      rules("SELECT 1 FROM offline_transactions WHERE kind = 'device_id = 1' -- device_id = $1"),
    ).toEqual(['routing']);
    expect(rules('SELECT * FROM offline_licenses WHERE device_id = $2 AND id = $1')).toEqual([]);
    expect(rules('INSERT INTO offline_device_days (device_id, day) VALUES ($1, $2)')).toEqual([]);
    expect(rules('SELECT * FROM users WHERE id = $1')).toEqual([]);
    expect(rules('/* citus: multi-shard: a report */ SELECT count(*) FROM offline_transactions')).toEqual([]);
  });

  it('a queue claim across shards', () => {
    expect(
      rules(
        'SELECT bundle_id FROM offline_reconciliation_queue ORDER BY enqueued_at LIMIT 1 FOR UPDATE SKIP LOCKED',
      ),
    ).toEqual(['routing', 'claim']);
    expect(
      rules(
        'SELECT bundle_id FROM offline_reconciliation_queue WHERE device_id = $1 LIMIT 1 FOR UPDATE SKIP LOCKED',
      ),
    ).toEqual([]);
  });

  it('volatile functions in ON CONFLICT DO UPDATE', () => {
    const upsert = (set: string) =>
      rules(
        `INSERT INTO offline_device_blocks (device_id) VALUES ($1) ON CONFLICT (device_id) DO UPDATE SET ${set}`,
      );
    expect(upsert('updated_at = now()')).toEqual(['volatile-on-conflict']);
    expect(upsert('change_xid = pg_current_xact_id()')).toEqual(['volatile-on-conflict', 'volatile']);
    expect(upsert('updated_at = CURRENT_TIMESTAMP')).toEqual(['volatile-on-conflict']);
    expect(upsert('updated_at = EXCLUDED.updated_at')).toEqual([]);
    expect(upsert('updated_at = $2')).toEqual([]);
    // On a coordinator table Citus runs the statement as PostgreSQL does.
    expect(
      rules(
        `INSERT INTO worker_heartbeats (worker_id) VALUES ($1) ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now()`,
      ),
    ).toEqual([]);
  });

  it('volatile functions in CASE or coalesce of an UPDATE', () => {
    const update = (set: string) =>
      rules(`UPDATE offline_licenses SET ${set} WHERE device_id = $1 AND id = $2`);
    expect(update('activated_at = coalesce(activated_at, now())')).toEqual(['volatile-case']);
    expect(update("status = CASE WHEN expires_at < now() THEN 'expired' ELSE status END")).toEqual([
      'volatile-case',
    ]);
    expect(update('activated_at = now()')).toEqual([]);
    expect(update('activated_at = coalesce(activated_at, $3)')).toEqual([]);
  });

  it('inside a function body or a migration', () => {
    const body = `
      CREATE FUNCTION f(p_device text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE offline_tx_bundles SET status = 'x', change_seq = 0 WHERE bundle_id = p_device::uuid;
      END;
      $$;
      UPDATE offline_transactions SET status = 'held' WHERE seq = 1;`;
    expect(lintSql(body, 'planted').map((f) => f.statement.split(' ')[0])).toEqual(['UPDATE', 'UPDATE']);
    expect(lintSql(body, 'planted')[0]!.statement).toContain('bundle_id = p_device');
  });

  it('a volatile function anywhere in a modification of a distributed or reference table', () => {
    const on = 'WHERE device_id = $1';
    expect(
      rules(`UPDATE offline_devices SET clock_offset_ms = extract(epoch FROM clock_timestamp()) ${on}`),
    ).toEqual(['volatile']);
    expect(rules(`DELETE FROM offline_device_days ${on} AND random() < 0.5`)).toEqual(['volatile']);
    expect(rules(`UPDATE offline_catalog_images SET id = gen_random_uuid() WHERE sha256 = $1`)).toEqual([
      'volatile',
    ]);
    expect(rules(`UPDATE users SET token_version = nextval('s') WHERE id = $1`)).toEqual(['volatile']);
    expect(rules(`UPDATE users SET note = timeofday()::text, v = txid_current() WHERE id = $1`)).toEqual([
      'volatile',
    ]);
    // An upsert's VALUES count too: the statement is one modification.
    expect(
      rules(
        `INSERT INTO offline_device_blocks (device_id, id) VALUES ($1, gen_random_uuid()) ON CONFLICT (device_id) DO NOTHING`,
      ),
    ).toEqual(['volatile']);
    // Allowed: now() outside CASE/coalesce, a plain INSERT (Citus evaluates its VALUES first), a
    // coordinator table, a read.
    expect(rules(`UPDATE offline_devices SET updated_at = now() ${on}`)).toEqual([]);
    expect(rules(`INSERT INTO offline_device_blocks (device_id, id) VALUES ($1, gen_random_uuid())`)).toEqual(
      [],
    );
    expect(rules(`UPDATE worker_heartbeats SET beat = clock_timestamp() WHERE worker_id = $1`)).toEqual([]);
    expect(rules(`SELECT random() FROM users`)).toEqual([]);
  });

  it('a write of a pull-counted table that does not number its change', () => {
    const take = `WITH change AS (INSERT INTO offline_device_changes AS c (device_id, value) VALUES ($1, 1)
      ON CONFLICT (device_id) DO UPDATE SET value = c.value + 1 RETURNING c.value)`;
    expect(
      rules(`UPDATE offline_tx_bundles SET status = $2 WHERE device_id = $1 AND bundle_id = $3`),
    ).toEqual(['change-seq']);
    expect(
      rules(`${take} UPDATE offline_tx_bundles SET status = $2, change_seq = (SELECT value FROM change)
             WHERE device_id = $1 AND bundle_id = $3`),
    ).toEqual([]);
    // The counter taken, but the column not set from it.
    expect(
      rules(`${take} UPDATE offline_tx_bundles SET status = $2 WHERE device_id = $1 AND bundle_id = $3`),
    ).toEqual(['change-seq']);
    expect(rules(`INSERT INTO offline_tx_bundles (bundle_id, device_id) VALUES ($1, $2)`)).toEqual([
      'change-seq',
    ]);
    expect(rules(`INSERT INTO offline_tx_bundles VALUES ($1, $2)`)).toEqual(['routing', 'change-seq']);
    expect(
      rules(`INSERT INTO offline_tx_bundles (bundle_id, device_id, change_seq) VALUES ($1, $2, $3)`),
    ).toEqual([]);
    // A catalog upsert numbers both the insert and the update it may turn into.
    const upsert = (set: string) =>
      rules(`INSERT INTO offline_catalog_items AS c (tenant_type, tenant_id, sku, change_seq) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_type, tenant_id, sku) DO UPDATE SET ${set}`);
    expect(upsert('name = EXCLUDED.name')).toEqual(['change-seq']);
    expect(upsert('name = EXCLUDED.name, change_seq = EXCLUDED.change_seq')).toEqual([]);
    expect(rules(`UPDATE offline_catalog_items SET active = false WHERE tenant_id = $1`)).toEqual([
      'change-seq',
    ]);
    expect(
      rules(`UPDATE offline_catalog_items SET active = false, change_seq = $2 WHERE tenant_id = $1`),
    ).toEqual([]);
    // A table that is not counted needs nothing; a delete numbers nothing (a pull sends no deletions).
    expect(rules(`UPDATE offline_catalog_categories SET name = $2 WHERE id = $1`)).toEqual([]);
  });
});
