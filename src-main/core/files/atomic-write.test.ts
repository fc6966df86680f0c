import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtomically } from './atomic-write';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('writeAtomically', () => {
  it('lets concurrent saves of one file all succeed, the last call winning, with no temp files left', async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpost-atomic-'));
    const file = join(dir, 'enrollment.json');
    // A check-in and a user's action saving the same record at once used to share one temp name.
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeAtomically(file, `{"n":${i}}`)));
    expect(await readFile(file, 'utf8')).toBe('{"n":19}');
    expect(await readdir(dir)).toEqual(['enrollment.json']);
  });
});
