import { describe, expect, it } from 'vitest';
import { ScryptGate } from './scrypt-gate';

/** A check that ends when the test says so, recording when it started. */
function held(started: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    work: () => {
      started.push(name);
      return done;
    },
    finish,
  };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ScryptGate (issue #16, third pass L2)', () => {
  it('runs at most `concurrency` checks at once and gives the next slot to the account in turn', async () => {
    const gate = new ScryptGate(2);
    const started: string[] = [];
    const flood = Array.from({ length: 6 }, (_, i) => held(started, `a${i}`));
    const runs = flood.map((c) => gate.run('flooder@x', c.work));
    const bystander = held(started, 'b');
    const bystanderRun = gate.run('bystander@x', bystander.work);
    await settle();
    expect(started).toEqual(['a0', 'a1']);
    flood[0]!.finish();
    await settle();
    // The bystander queued behind four of the flooder's checks, and goes first all the same.
    expect(started).toEqual(['a0', 'a1', 'b']);
    bystander.finish();
    for (const c of flood.slice(1)) c.finish();
    await Promise.all([...runs, bystanderRun]);
    expect(started).toEqual(['a0', 'a1', 'b', 'a2', 'a3', 'a4', 'a5']);
    expect(gate.peak).toBe(2);
  });

  it('frees its slot when a check fails', async () => {
    const gate = new ScryptGate(1);
    await expect(gate.run('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run('x', () => Promise.resolve(7))).toBe(7);
  });
});
