import { execFile } from 'node:child_process';
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { masterSecretPath } from '../keys/master-secret';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run kek:rotate', () => {
  // A master secret of its own would wrap every CEK under a KEK the server cannot derive.
  it("refuses to start without the server's master secret and creates none", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'outpost-kek-'));
    const result = await run(process.execPath, ['--import', 'tsx', 'server/materials/kek-cli.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none',
        OUTPOST_DATA_DIR: dataDir,
        OUTPOST_MASTER_SECRET: '',
      },
    }).then(
      () => ({ code: 0, err: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }),
    );
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/needs the server's master secret/);
    await expect(access(masterSecretPath(dataDir))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
