/**
 * One of the processes of master-secret.test.ts: waits until the start time it is given (so the 8
 * processes race within a millisecond or so), then loads the master secret of each round's fresh
 * data directory, as a server starting there would, and prints what it got, one line per round.
 * argv: <base dir> <rounds> <start time, ms since the epoch> <ms between rounds>
 */
import { join } from 'node:path';
import { loadMasterSecret } from './master-secret';

const [base, rounds, startAt, gap] = process.argv.slice(2);
for (let r = 0; r < Number(rounds); r++) {
  const at = Number(startAt) + r * Number(gap);
  while (Date.now() < at) {
    // Busy-wait: a timer fires up to a few ms late, and the race is over by then.
  }
  try {
    const secret = await loadMasterSecret(undefined, join(base!, `round-${r}`));
    process.stdout.write(`${r} ok ${secret.toString('base64')}\n`);
  } catch (err) {
    process.stdout.write(`${r} failed ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
