import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { capturingLogger } from '../testing/harness';
import { startServer } from '../start';
import { adminInboxPath } from './admin-inbox';

/**
 * `npm run admin:create` while the server runs on its embedded database (issue #19): the CLI asks
 * the server through its private inbox, and the database's directory lock is left as it is.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function adminCreate(dataDir: string, email: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, OUTPOST_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  env.OUTPOST_ADMIN_PASSWORD = 'cli long password';
  return run(
    process.execPath,
    ['--import', 'tsx', 'server/auth/admin-cli.ts', '--email', email, '--roles', 'pay_admin,ops'],
    { cwd: ROOT, env },
  );
}

describe('admin:create while the server runs', () => {
  it(
    'creates the user through the running server, through its private inbox',
    { timeout: 240_000 },
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'outpost-admin-inbox-'));
      dirs.push(dataDir);
      const { logger, logs } = capturingLogger();
      const server = await startServer(loadConfig({ PORT: '0', OUTPOST_DATA_DIR: dataDir }), { logger });
      try {
        // No user: the first-run link is in the log.
        expect(logs.join('')).toMatch(/\/admin\/#setup=[A-Za-z0-9_-]{43}/);
        // The inbox is the server's user's alone, inside its private directory.
        const inbox = adminInboxPath(dataDir);
        expect((await stat(inbox)).mode & 0o777).toBe(0o700);
        expect((await stat(dirname(inbox))).mode & 0o777).toBe(0o700);

        const { stdout } = await adminCreate(dataDir, 'Owner@Example.com');
        expect(stdout).toMatch(/^created user [0-9a-f-]{36} owner@example\.com \[pay_admin, ops\]/);
        const signIn = await fetch(`${server.url}/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'owner@example.com', password: 'cli long password' }),
        });
        expect(signIn.status).toBe(200);
        // The same email again: refused by the server, and the CLI says so.
        await expect(adminCreate(dataDir, 'owner@example.com')).rejects.toMatchObject({
          stderr: expect.stringMatching(/already exists/),
        });
        // With a user, the first-run setup is over.
        const setup = await fetch(`${server.url}/console/setup`);
        expect(await setup.json()).toEqual({ needed: false });
      } finally {
        await server.close();
      }
      // The request, which held a password, and the answer are gone.
      expect(await readdir(adminInboxPath(dataDir))).toEqual([]);
      // Stopped: the CLI opens the database itself, as before.
      const { stdout } = await adminCreate(dataDir, 'second@example.com');
      expect(stdout).toMatch(/created user .* second@example\.com/);
    },
  );
});
