import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { migrate } from './migrate';
import { createPool } from './pool';
import { splitSqlStatements } from './sql-statements';

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons only', () => {
    const sql = `-- Up Migration
CREATE TABLE a (s text DEFAULT 'x;y', "we;ird" int); -- a comment; with a semicolon
/* block; /* nested; */ still comment; */
INSERT INTO a (s) VALUES (E'it\\'s; fine'), ('it''s; fine');
CREATE FUNCTION f(p int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN p + 1; -- inside the body
END;
$$;
CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $fn$ SELECT 'a;b' $fn$;
SELECT $1::int;
-- trailing comment only;
`;
    const parts = splitSqlStatements(sql);
    expect(parts).toHaveLength(5);
    expect(parts[0]).toMatch(/^-- Up Migration\nCREATE TABLE a .*"we;ird" int\)$/s);
    expect(parts[1]).toMatch(/INSERT INTO a .*'it''s; fine'\)$/s);
    expect(parts[2]).toMatch(/RETURN p \+ 1; -- inside the body\nEND;\n\$\$$/);
    expect(parts[3]).toBe(`CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $fn$ SELECT 'a;b' $fn$`);
    expect(parts[4]).toBe('SELECT $1::int');
  });

  it('refuses what it cannot split safely', () => {
    expect(() => splitSqlStatements(`SELECT 'open`)).toThrow(/unterminated/);
    expect(() => splitSqlStatements(`CREATE FUNCTION f() AS $$ SELECT 1;`)).toThrow(/dollar/);
    expect(() => splitSqlStatements(`CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END`)).toThrow(
      /BEGIN ATOMIC/,
    );
  });
});

describe('migrate', () => {
  it('sends a migration file one statement per query (real PostgreSQL)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-split-'));
    const pool = createPool(await freshDatabase());
    try {
      // current_query() is the text the client sent: the whole file if the runner sent it at once.
      await writeFile(
        join(dir, '1_probe.sql'),
        `-- Up Migration
CREATE TABLE probe (q text);
CREATE FUNCTION probe_note(p text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO probe VALUES (p);
END;
$$;
INSERT INTO probe VALUES (current_query());
-- Down Migration
DROP FUNCTION probe_note(text);
DROP TABLE probe;
`,
      );
      expect(await migrate(pool, { dir })).toEqual(['1_probe']);
      const { rows } = await pool.query<{ q: string }>('SELECT q FROM probe');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.q).toMatch(/^INSERT INTO probe VALUES \(current_query\(\)\);?$/);
    } finally {
      await pool.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
