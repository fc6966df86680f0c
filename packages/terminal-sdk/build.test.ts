import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGE = resolve(import.meta.dirname);

/**
 * What an outside project does with the package: build it (`npm run build`: dist/index.js and the
 * declarations), then import the built file with plain Node, no TypeScript loader and no path
 * alias, and open a terminal on RxDB's memory storage.
 */
describe('@outpost/terminal-sdk as an outside project builds and imports it', () => {
  it('builds dist/ with declarations, and the built module runs in plain Node', async () => {
    await rm(join(PACKAGE, 'dist'), { recursive: true, force: true });
    await run('npm', ['run', 'build'], { cwd: PACKAGE });
    expect(existsSync(join(PACKAGE, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(PACKAGE, 'dist/types/packages/terminal-sdk/src/index.d.ts'))).toBe(true);

    const dir = await mkdtemp(join(PACKAGE, 'dist/consumer-'));
    const script = join(dir, 'use.mjs');
    await writeFile(
      script,
      `import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { MemoryKeyStore, OfflineTerminal } from '${join(PACKAGE, 'dist/index.js')}';
const terminal = await OfflineTerminal.initialize({
  serverUrl: 'http://127.0.0.1:9',
  storage: getRxStorageMemory(),
  keyStore: new MemoryKeyStore(),
});
let refused = 'none';
try {
  await terminal.createOfflineTransaction({ lines: [{ sku: 'a', name: 'A', qty: 1, unitPriceMinor: 1 }], cashMinor: 1 });
} catch (e) {
  refused = e.code;
}
console.log(JSON.stringify({ deviceId: terminal.deviceId, state: terminal.enrollment.state, refused }));
await terminal.close();
`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({
      deviceId: expect.stringMatching(/^OP-[0-9A-Z]{16}$/),
      state: 'not_enrolled',
      refused: 'NOT_ENROLLED',
    });
  }, 300_000);
});
