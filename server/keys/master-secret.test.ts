import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { masterSecretPath } from './master-secret';

const FIXTURE = fileURLToPath(new URL('./master-secret-race.fixture.ts', import.meta.url));
const PROCESSES = 8;
const ROUNDS = 25;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function race(base: string, startAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', FIXTURE, base, String(ROUNDS), String(startAt), '40'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
}

describe('a generated master.key', () => {
  it(
    `is the same for ${PROCESSES} processes starting at once on a fresh data directory, and none fails`,
    { timeout: 120_000 },
    async () => {
      const base = await mkdtemp(join(tmpdir(), 'outpost-master-race-'));
      dirs.push(base);
      // Far enough ahead for every process to have loaded its modules (tsx) on a loaded machine.
      const startAt = Date.now() + 8_000;
      const outputs = await Promise.all(Array.from({ length: PROCESSES }, () => race(base, startAt)));
      const rounds = new Map<number, string[]>();
      for (const line of outputs.join('').trim().split('\n')) {
        const [round, outcome, value] = line.split(' ', 3);
        expect(outcome, line).toBe('ok');
        rounds.set(Number(round), [...(rounds.get(Number(round)) ?? []), value!]);
      }
      expect(rounds.size).toBe(ROUNDS);
      for (let r = 0; r < ROUNDS; r++) {
        const seen = rounds.get(r)!;
        expect(seen).toHaveLength(PROCESSES);
        const file = masterSecretPath(join(base, `round-${r}`));
        // Everyone has the one key on disk, which is private, and no temporary file is left.
        expect(new Set(seen)).toEqual(new Set([(await readFile(file, 'utf8')).trim()]));
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        expect(await readdir(join(base, `round-${r}`, 'server'))).toEqual(['master.key']);
      }
    },
  );
});
