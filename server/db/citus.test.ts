import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { COORDINATOR_TABLES, DEVICE_TABLES, REFERENCE_TABLES } from './citus-layout';
import {
  citusPlacements,
  COLOCATION_SOURCE,
  foreignKeys,
  hasCitus,
  placeOnCitus,
  type ForeignKey,
} from './citus';
import { migrate } from './migrate';
import { createPool } from './pool';

/**
 * The Citus-only step (server/db/citus.ts). Citus is not installed here (no package in this
 * machine's apt sources, no extension files), so on a real PostgreSQL: the step sends nothing,
 * and what it would send, generated from citus-layout.ts and the live foreign keys, is complete
 * and in an order Citus accepts.
 */
let pool: pg.Pool;
let fks: ForeignKey[];
beforeAll(async () => {
  pool = createPool(await freshDatabase());
  await migrate(pool);
  fks = await foreignKeys(pool);
});
afterAll(async () => {
  await pool.end();
});

const reference = new Set<string>(REFERENCE_TABLES);
const device = new Set<string>(DEVICE_TABLES);

describe('placing tables on Citus', () => {
  it('does nothing on PostgreSQL without the extension', async () => {
    expect(await hasCitus(pool)).toBe(false);
    expect(await placeOnCitus(pool)).toEqual([]);
  });

  it('would place every table of the layout once, each as the layout says', () => {
    const plan = citusPlacements(fks);
    const kinds = Object.fromEntries(plan.map((p) => [p.table, p.kind]));
    expect(plan).toHaveLength(new Set(plan.map((p) => p.table)).size);
    for (const t of REFERENCE_TABLES) expect(kinds[t], t).toBe('reference');
    for (const t of DEVICE_TABLES) expect(kinds[t], t).toBe('distributed');
    for (const t of Object.keys(COORDINATOR_TABLES))
      expect(kinds[t], t).toBe(t === 'pgmigrations' ? undefined : 'local');
  });

  it('sends the colocation source first, then every device table colocated with it', () => {
    const distributed = citusPlacements(fks).filter((p) => p.kind === 'distributed');
    expect(distributed[0]).toEqual({
      table: COLOCATION_SOURCE,
      kind: 'distributed',
      sql: "SELECT create_distributed_table('offline_devices', 'device_id')",
    });
    for (const p of distributed.slice(1))
      expect(p.sql).toBe(
        `SELECT create_distributed_table('${p.table}', 'device_id', colocate_with => 'offline_devices')`,
      );
  });

  it('places a referenced table before every table that references it', () => {
    const plan = citusPlacements(fks);
    const at = new Map(plan.map((p, i) => [p.table, i]));
    expect(fks.length).toBeGreaterThan(10);
    const late = fks.filter(
      (fk) => fk.from !== fk.to && at.has(fk.from) && at.has(fk.to) && at.get(fk.to)! > at.get(fk.from)!,
    );
    expect(late).toEqual([]);
    // Every reference table comes before any table of another kind.
    const lastReference = Math.max(
      ...plan.filter((p) => p.kind === 'reference').map((p) => at.get(p.table)!),
    );
    expect(plan.slice(0, lastReference + 1).every((p) => p.kind === 'reference')).toBe(true);
  });

  it('orders by the foreign keys, not by the layout lists (planted keys)', () => {
    // users sorts after console_links in the list; a key from console_links to it puts it first.
    const order = (keys: ForeignKey[]) => citusPlacements(keys).map((p) => p.table);
    const planted = order([{ from: 'console_links', to: 'users' }]);
    expect(planted.indexOf('users')).toBeLessThan(planted.indexOf('console_links'));
    expect(order([]).indexOf('users')).toBeGreaterThan(order([]).indexOf('console_links'));
    const chained = order([
      { from: 'offline_transactions', to: 'offline_tx_bundles' },
      { from: 'ledger_entries', to: 'offline_transactions' },
    ]);
    expect(chained.indexOf('offline_tx_bundles')).toBeLessThan(chained.indexOf('offline_transactions'));
    expect(chained.indexOf('offline_transactions')).toBeLessThan(chained.indexOf('ledger_entries'));
  });

  it('skips what Citus already placed (a second start sends nothing)', () => {
    const plan = citusPlacements(fks);
    expect(citusPlacements(fks, new Set(plan.map((p) => p.table)))).toEqual([]);
    const rest = citusPlacements(fks, new Set(['users', COLOCATION_SOURCE]));
    expect(rest.map((p) => p.table)).toEqual(
      plan.map((p) => p.table).filter((t) => t !== 'users' && t !== COLOCATION_SOURCE),
    );
  });

  it('no foreign key Citus refuses: from a reference table to any other kind, or between local and distributed', () => {
    const kind = (t: string) => (reference.has(t) ? 'reference' : device.has(t) ? 'distributed' : 'local');
    const refused = fks
      .filter((fk) => fk.from !== fk.to)
      .map((fk) => ({ ...fk, kinds: `${kind(fk.from)} -> ${kind(fk.to)}` }))
      .filter(
        (fk) =>
          (fk.kinds.startsWith('reference') && !fk.kinds.endsWith('reference')) ||
          fk.kinds === 'local -> distributed' ||
          fk.kinds === 'distributed -> local',
      );
    expect(refused).toEqual([]);
  });
});
