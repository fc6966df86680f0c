import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `npm run bench -- NAME`: runs bench/NAME.ts, whose `run()` measures our code and its limit in the
 * same process and returns the figures; they are written to bench/results/NAME.json.
 */
interface BenchModule {
  run(): Promise<Record<string, unknown>>;
}

const dir = resolve(import.meta.dirname);
const available = (await readdir(dir))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));
const name = process.argv[2];

if (!name || !available.includes(name)) {
  console.error(`Usage: npm run bench -- NAME\nBenchmarks: ${available.join(', ') || '(none yet)'}`);
  process.exit(name ? 1 : 0);
}

const mod = (await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as BenchModule;
const started = new Date().toISOString();
const figures = await mod.run();
await mkdir(join(dir, 'results'), { recursive: true });
const file = join(dir, 'results', `${name}.json`);
await writeFile(
  file,
  JSON.stringify(
    { name, started, machine: { node: process.version, platform: process.platform }, ...figures },
    null,
    2,
  ) + '\n',
);
console.log(`\nWrote ${file}`);
