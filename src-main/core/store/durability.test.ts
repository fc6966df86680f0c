/**
 * Crash durability: a child process writes sales through RxDB and prints each acknowledged id;
 * we SIGKILL it mid-stream, reopen, and every acknowledged sale must be there with an intact file.
 * (SIGKILL keeps the OS page cache; survival of power loss comes from synchronous=FULL, which the
 * test asserts on the live connection.)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomToken } from 'rxdb';
import { describe, expect, it } from 'vitest';
import { findOpenFile } from './files';
import { openAppDatabase } from './index';
import { useKeychainAndDir } from './test-hooks';

const store = useKeychainAndDir();

const writer = fileURLToPath(new URL('./fixtures/durable-writer.ts', import.meta.url));

/** Runs the writer until `killAfter` acknowledgements, then SIGKILLs it; returns the acked ids. */
function writeAndKill(name: string, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', writer, store.dir.path, name, store.keychain.service],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ACK ')) acked.push(line.slice(4));
      }
      if (!killed && acked.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(acked);
      else reject(new Error(`writer ended with ${code ?? signal} before the kill: ${stderr}`));
    });
  });
}

describe('durability under SIGKILL', () => {
  it('keeps every acknowledged sale and an intact file', async () => {
    const name = `dur${randomToken(6)}`;
    const acked = await writeAndKill(name, 300);
    expect(acked.length).toBeGreaterThanOrEqual(300);
    // A second writer recovers the killed file, appends to it, and is killed in turn.
    acked.push(...(await writeAndKill(name, 100)));

    const app = await openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
    const db = findOpenFile(app.filePath)?.db;
    if (!db) throw new Error('database file is not open');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const found = await app.rx.sales.findByIds(acked).exec();
    const missing = acked.filter((id) => !found.has(id));
    expect(missing).toEqual([]);
    await app.close();
  });
});
