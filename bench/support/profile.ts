import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * BENCH_PROFILE=DIR: a CPU profile of this process's main thread for one phase of a bench, written
 * to DIR/NAME.cpuprofile (open it in Chrome's DevTools, or `npx tsx bench/support/profile-top.ts`).
 * `node --cpu-prof` profiles the whole run, set-up and bundle building included, which drowns the
 * server's frames; this covers only the timed window. Unset: no profiler, no cost.
 */
export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}
