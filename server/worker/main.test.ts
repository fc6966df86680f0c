import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run worker', () => {
  // It keys the audit rows it appends: a master secret of its own would make them read as forged.
  it("refuses to start without the server's master secret", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'outpost-worker-'));
    const result = await run(process.execPath, ['--import', 'tsx', 'server/worker/main.ts', '--once'], {
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
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/needs the server's master secret/);
  });
});
