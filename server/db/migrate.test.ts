import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { migrate } from './migrate';
import { createPool } from './pool';

describe('migrations on PostgreSQL', () => {
  const pools: pg.Pool[] = [];
  const pool = (url: string) => {
    const p = createPool(url);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
  });

  it('apply once and are idempotent', async () => {
    const db = pool(await freshDatabase());
    const first = await migrate(db);
    expect(first).toContain('1795459640657_server-meta');
    expect(await migrate(db)).toEqual([]);

    const { rows } = await db.query<{ value: unknown }>(
      "select value from server_meta where key = 'instance_id'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.value).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('apply exactly once when two instances migrate at the same time', async () => {
    const url = await freshDatabase();
    const results = await Promise.all([migrate(pool(url)), migrate(pool(url))]);
    expect(results.flat().filter((name) => name === '1795459640657_server-meta')).toHaveLength(1);
    const { rows } = await pool(url).query('select count(*)::int as n from server_meta');
    expect(rows[0]).toEqual({ n: 1 });
  });
});
