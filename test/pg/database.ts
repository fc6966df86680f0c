import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { TEST_PG_URL_KEY } from './provide';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = inject(TEST_PG_URL_KEY) ?? process.env.OUTPOST_TEST_PG_URL;
  if (!url) {
    throw new Error(
      'No PostgreSQL for tests: install PostgreSQL 15 (/usr/lib/postgresql/15/bin) or set OUTPOST_TEST_PG_URL',
    );
  }
  return url;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the shared test server; `drop()` removes it even with clients still connected. */
export async function createDatabase(): Promise<TestDatabase> {
  const name = `outpost_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

const created: TestDatabase[] = [];

// Registered when a test file imports this module, so every database made for that file
// (at top level or in a hook) is dropped once the file's tests end.
afterAll(async () => {
  await Promise.all(created.splice(0).map((db) => db.drop()));
});

/**
 * Creates a uniquely named database for the calling test file and returns its URL; it is
 * dropped after the file's tests. Use at top level (`const url = await freshDatabase()`)
 * or in `beforeAll`. Files run in parallel, each on its own database.
 */
export async function freshDatabase(): Promise<string> {
  const db = await createDatabase();
  created.push(db);
  return db.url;
}
