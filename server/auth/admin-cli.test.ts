import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { verifyPassword } from './passwords';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dbUrl = await freshDatabase();
const pool = new pg.Pool({ connectionString: dbUrl });
// The server's master secret keys the user.created audit row; an empty data directory holds none.
const MASTER = { OUTPOST_MASTER_SECRET: randomBytes(32).toString('base64') };
const emptyDataDir = await mkdtemp(join(tmpdir(), 'outpost-admin-'));
afterAll(() => pool.end());

async function adminCreate(args: string[], env: Record<string, string>, input?: string) {
  const child = run(process.execPath, ['--import', 'tsx', 'server/auth/admin-cli.ts', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      OUTPOST_DATA_DIR: emptyDataDir,
      OUTPOST_ADMIN_PASSWORD: '',
      ...MASTER,
      ...env,
    },
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  } else child.child.stdin?.end();
  try {
    const { stdout } = await child;
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

// Each test starts the CLI (a tsx process) up to three times: seconds each on a busy machine.
describe('npm run admin:create', { timeout: 120_000 }, () => {
  it('creates a user from OUTPOST_ADMIN_PASSWORD, and another from stdin; audits both', async () => {
    const a = await adminCreate(['--email', 'Boss@Example.com', '--roles', 'pay_admin,ops'], {
      OUTPOST_ADMIN_PASSWORD: 'a long enough password',
    });
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/created user .* boss@example.com \[pay_admin, ops\]/);
    const b = await adminCreate(
      ['--email', 'ops@example.com', '--roles', 'ops'],
      {},
      'from stdin password\n',
    );
    expect(b.code).toBe(0);
    const { rows } = await pool.query<{ email: string; password_hash: string }>(
      'SELECT email, password_hash FROM users ORDER BY email',
    );
    expect(rows.map((r) => r.email)).toEqual(['boss@example.com', 'ops@example.com']);
    expect(await verifyPassword('from stdin password', rows[1]!.password_hash)).toBe(true);
    const audit = await pool.query("SELECT 1 FROM offline_audit_logs WHERE action = 'user.created'");
    expect(audit.rowCount).toBe(2);
  });

  it('refuses duplicates, unknown roles and short passwords', async () => {
    const env = { OUTPOST_ADMIN_PASSWORD: 'a long enough password' };
    expect((await adminCreate(['--email', 'boss@example.com', '--roles', 'ops'], env)).code).toBe(1);
    expect((await adminCreate(['--email', 'x@example.com', '--roles', 'root'], env)).code).toBe(2);
    expect((await adminCreate(['--email', 'x@example.com'], { OUTPOST_ADMIN_PASSWORD: 'short' })).code).toBe(
      2,
    );
  });

  it("refuses to run without the server's master secret, creating nothing", async () => {
    const res = await adminCreate(['--email', 'nokey@example.com'], {
      OUTPOST_ADMIN_PASSWORD: 'a long enough password',
      OUTPOST_MASTER_SECRET: '',
    });
    expect(res.code).toBe(2);
    expect(res.out).toMatch(/no master secret/);
    expect((await pool.query("SELECT 1 FROM users WHERE email = 'nokey@example.com'")).rowCount).toBe(0);
  });
});
