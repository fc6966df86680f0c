import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { freshDatabase } from '../../test/pg/database';
import { inline, literal, queryAll } from './inline';
import { createPool } from './pool';

describe('inlined statements on PostgreSQL', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = createPool(await freshDatabase());
  });
  afterAll(async () => {
    await pool.end();
  });

  const awkward = [
    "it's",
    'back\\slash',
    'quote " inside',
    'all \' \\ " {},',
    'NULL',
    '',
    ' spaced ',
    'ünïcödé ✓',
    '{"json": [1, "two"]}',
  ];

  it('reads back exactly what the same values as parameters read back', async () => {
    const statement = {
      text: `SELECT $1::text AS a, $2::text[] AS b, $3::int AS c, $4::bigint[] AS d, $5::boolean[] AS e,
               $6::timestamptz AS f, $7::text AS g, $8::uuid[] AS h, $9::float8 AS i, $10::jsonb AS j`,
      values: [
        awkward[3],
        [...awkward, null],
        -42,
        [1, 9_007_199_254_740_991, null],
        [true, false],
        new Date('2026-01-02T03:04:05.678Z'),
        null,
        ['7c9e6679-7425-40de-944b-e07fc1f90ae7'],
        0.0525,
        JSON.stringify({ detail: 'a \'quoted\' \\ "detail"' }),
      ],
    };
    const viaParameters = await pool.query(statement.text, statement.values);
    const [viaLiterals] = await queryAll(pool, [statement]);
    expect(viaLiterals!.rows).toEqual(viaParameters.rows);
    expect(viaLiterals!.rows[0]).toMatchObject({ a: awkward[3], b: [...awkward, null], c: -42, g: null });
  });

  it('runs several statements in one round trip, each with its own result', async () => {
    const results = await queryAll(pool, [
      'BEGIN',
      { text: 'CREATE TEMP TABLE t (v text) ON COMMIT DROP', values: [] },
      { text: 'INSERT INTO t SELECT unnest($1::text[])', values: [awkward] },
      { text: 'SELECT v FROM t', values: [] },
      'COMMIT',
    ]);
    expect(results.map((r) => r.command)).toEqual(['BEGIN', 'CREATE', 'INSERT', 'SELECT', 'COMMIT']);
    expect(results[3]!.rows.map((r: { v: string }) => r.v).sort()).toEqual([...awkward].sort());
  });

  it('refuses what it cannot write as a literal', () => {
    expect(() => literal(Number.NaN)).toThrow(/cannot inline/);
    expect(() => literal({ a: 1 })).toThrow(/cannot inline/);
    expect(() => inline({ text: 'SELECT $2', values: [1] })).toThrow(/no value for \$2/);
  });
});
