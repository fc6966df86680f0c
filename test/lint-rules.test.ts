import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const fixture = resolve(root, 'test/fixtures/lint-violations');

async function depcruise(cwd: string, ...paths: string[]): Promise<{ code: number; output: string }> {
  const bin = resolve(root, 'node_modules/.bin/depcruise');
  try {
    const { stdout } = await run(bin, ['--config', resolve(root, '.dependency-cruiser.cjs'), ...paths], {
      cwd,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('import rules (npm run lint)', () => {
  it('rejects src-main/core importing electron', async () => {
    const result = await depcruise(fixture, 'src-main/core');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('electron-only-in-shell');
    expect(result.output).toContain('src-main/core/imports-electron.ts');
  });

  it('accepts electron in src-main/shell', async () => {
    const result = await depcruise(fixture, 'src-main/shell');
    expect(result.output).not.toContain('electron-only-in-shell');
    expect(result.code).toBe(0);
  });

  it('rejects Node built-ins in the renderer', async () => {
    const result = await depcruise(fixture, 'src-renderer');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('renderer-no-node');
  });

  it('rejects a renderer import from protocol/ outside its list, and accepts protocol/api', async () => {
    const result = await depcruise(fixture, 'src-renderer');
    expect(result.output).toContain('renderer-protocol-allowed-list');
    expect(result.output).toContain('src-renderer/imports-protocol-internals.ts');
    expect(result.output).not.toMatch(/renderer-protocol-allowed-list: src-renderer\/allowed-protocol\.ts/);
  });

  it('rejects server code importing a test harness, and lets test support import it', async () => {
    const result = await depcruise(fixture, 'server');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('server-no-test-harness: server/payments/imports-harness.ts');
    expect(result.output).not.toContain('server/payments/test-support.ts');
  });

  it('rejects the back office importing the server or Node built-ins (#19)', async () => {
    const result = await depcruise(fixture, 'src-admin');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('admin-imports-only-protocol: src-admin/imports-server.ts');
    expect(result.output).toContain('admin-no-node: src-admin/imports-node.ts');
  });

  it('lets the back office take types, not code, from the rest of protocol/ (#19)', async () => {
    const result = await depcruise(fixture, 'src-admin');
    expect(result.output).toContain('admin-protocol-allowed-list: src-admin/imports-protocol-internals.ts');
    expect(result.output).not.toContain('src-admin/types-from-protocol.ts');
  });

  it('rejects circular imports', async () => {
    const result = await depcruise(fixture, 'protocol');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('no-circular');
    expect(result.output).toContain('protocol/cycle-a.ts');
  });

  it('rejects the terminal SDK importing the app, the app reaching past its index, an example past the SDK (#20)', async () => {
    const result = await depcruise(fixture, 'packages', 'src-main/core', 'examples');
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(
      /terminal-sdk-imports-only-protocol: packages\/terminal-sdk\/src\/imports-core\.ts/,
    );
    expect(result.output).toMatch(/terminal-sdk-through-its-index: src-main\/core\/reaches-into-sdk\.ts/);
    expect(result.output).toMatch(/example-uses-only-the-sdk: examples\/imports-protocol\.ts/);
    // The SDK's index is what everyone may import.
    expect(result.output).not.toContain('examples/uses-sdk.ts');
  });

  it('passes on the real tree', async () => {
    const result = await depcruise(
      root,
      'protocol',
      'native',
      'packages',
      'examples',
      'src-main',
      'src-renderer',
      'server',
    );
    expect(result.output).toContain('no dependency violations');
    expect(result.code).toBe(0);
  });
});
