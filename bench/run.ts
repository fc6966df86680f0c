import { spawnSync } from 'node:child_process';
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

/**
 * Every bench runs in a process whose glibc malloc keeps freed memory instead of trimming it back to
 * the OS. Node allocates each large Buffer (a cipher's output, a request body) with malloc and frees
 * it when the GC runs; with glibc's default heuristics whether the next one page-faults depended on
 * GC timing: 12k–42k faults per 256 MiB decrypted, run to run, for our code and its limit alike.
 * Pinned, both sides of each bench are measured under one allocator behaviour, close to the app's:
 * Electron allocates ArrayBuffers with PartitionAlloc, which keeps freed pages for reuse. `gc()` is
 * exposed so a bench can start each sample from a collected heap.
 */
const PINNED_MALLOC = { MALLOC_TRIM_THRESHOLD_: '536870912', MALLOC_MMAP_THRESHOLD_: '33554432' };
if (process.env.OUTPOST_BENCH_CHILD !== '1') {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, '--expose-gc', process.argv[1]!, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, ...PINNED_MALLOC, OUTPOST_BENCH_CHILD: '1' } },
  );
  process.exit(child.status ?? 1);
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
    {
      name,
      started,
      machine: { node: process.version, platform: process.platform },
      environment: PINNED_MALLOC,
      ...figures,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nWrote ${file}`);
