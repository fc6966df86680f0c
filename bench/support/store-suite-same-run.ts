/**
 * RxDB's runPerformanceTests over our storage and memory storage, and the raw floors of
 * store-suite-floors.ts, in alternating iterations of one process: iteration i runs one suite run
 * of every side, the side that goes first rotating, so ours, memory's and the floor's figures of a
 * step meet the same disk and the same load. Each side's figure for a step is RxDB's own averaging
 * (`averageOfTimeValues`, fastest 5 % dropped from the top: with 4 iterations, the fastest) over its
 * iterations, as one runPerformanceTests call with that many runs reports it.
 */
import { averageOfTimeValues } from 'rxdb/plugins/test-utils';
import type { SuiteStep } from './store-suite-floors';

export const SUITE_STEPS: readonly SuiteStep[] = [
  'time-to-first-insert',
  'insert-documents-500',
  'find-by-ids-3000',
  'serial-inserts-50',
  'serial-find-by-id-50',
  'find-by-query',
  'find-by-query-parallel-4',
  '4x-count',
];

/** Numbers in runPerformanceTests' result that are its configuration, not a step's time. */
const NOT_STEPS = new Set(['collectionsAmount', 'docsAmount']);

export interface SuiteSide {
  name: string;
  /** One run of the suite: ms per step (runPerformanceTests' result with `runs: 1`). */
  run(iteration: number): Promise<Record<string, unknown>>;
}

export type SideFigures = Record<string, number>;

export interface InterleavedSuite {
  iterations: number;
  /** Per side: RxDB's averaging of its iterations, per step. */
  averaged: Record<string, SideFigures>;
  /** Per side, per iteration, per step (ms), in the order run. */
  perIteration: Record<string, SideFigures[]>;
  /** The order the sides ran in, per iteration. */
  order: string[][];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export async function interleavedSuite(sides: SuiteSide[], iterations: number): Promise<InterleavedSuite> {
  const perIteration: Record<string, SideFigures[]> = Object.fromEntries(sides.map((s) => [s.name, []]));
  const order: string[][] = [];
  for (let i = 0; i < iterations; i++) {
    const rotated = sides.map((_, k) => sides[(k + i) % sides.length]!);
    order.push(rotated.map((s) => s.name));
    for (const side of rotated) {
      const result = await side.run(i);
      const figures: SideFigures = {};
      for (const [step, v] of Object.entries(result)) {
        if (typeof v === 'number' && !NOT_STEPS.has(step)) figures[step] = round2(v);
      }
      perIteration[side.name]!.push(figures);
    }
  }
  const averaged = Object.fromEntries(
    sides.map((s) => {
      const runs = perIteration[s.name]!;
      return [
        s.name,
        Object.fromEntries(
          Object.keys(runs[0] ?? {}).map((step) => [
            step,
            round2(
              averageOfTimeValues(
                runs.map((r) => r[step]!),
                95,
              ),
            ),
          ]),
        ),
      ];
    }),
  );
  return { iterations, averaged, perIteration, order };
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

function median(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : Math.round(((v[mid - 1]! + v[mid]!) / 2) * 100) / 100;
}

export type StepStatus = 'holds' | 'floor above the peer' | 'ours above floor';

/**
 * Per step: ours ÷ memory, floor ÷ memory, ours ÷ floor (of the averaged figures) against the
 * peer's ratio, the diagnostics (the floor at NORMAL and without the cipher, ours at NORMAL), and
 * the same three ratios taken within each iteration (same moment), with their median.
 */
export function suiteFloorRatios(
  suite: InterleavedSuite,
  peer: Record<string, number>,
  names: {
    ours: string;
    memory: string;
    floor: string;
    floorNormal: string;
    floorPlain: string;
    oursNormal: string;
  },
) {
  const a = suite.averaged;
  const it = suite.perIteration;
  return Object.fromEntries(
    SUITE_STEPS.map((step) => {
      const mem = a[names.memory]![step];
      const oursToMemory = ratio(a[names.ours]![step], mem);
      const floorToMemory = ratio(a[names.floor]![step], mem);
      const status: StepStatus =
        oursToMemory !== null && oursToMemory <= peer[step]!
          ? 'holds'
          : floorToMemory !== null && floorToMemory > peer[step]!
            ? 'floor above the peer'
            : 'ours above floor';
      const within = (num: string, den: string) => it[num]!.map((r, i) => ratio(r[step], it[den]![i]![step]));
      const oursToMemoryRuns = within(names.ours, names.memory);
      const floorToMemoryRuns = within(names.floor, names.memory);
      const oursToFloorRuns = within(names.ours, names.floor);
      return [
        step,
        {
          rxdbSqlite: peer[step],
          ms: {
            ours: a[names.ours]![step],
            memory: mem,
            floor: a[names.floor]![step],
            floorNormal: a[names.floorNormal]![step],
            floorPlain: a[names.floorPlain]![step],
            oursNormal: a[names.oursNormal]![step],
          },
          oursToMemory,
          floorToMemory,
          oursToFloor: ratio(a[names.ours]![step], a[names.floor]![step]),
          status,
          diagnostic: {
            floorNormalToMemory: ratio(a[names.floorNormal]![step], mem),
            floorPlainToMemory: ratio(a[names.floorPlain]![step], mem),
            oursNormalToMemory: ratio(a[names.oursNormal]![step], mem),
            oursNormalToFloorNormal: ratio(a[names.oursNormal]![step], a[names.floorNormal]![step]),
          },
          perIteration: {
            oursToMemory: oursToMemoryRuns,
            floorToMemory: floorToMemoryRuns,
            oursToFloor: oursToFloorRuns,
            medians: {
              oursToMemory: median(oursToMemoryRuns),
              floorToMemory: median(floorToMemoryRuns),
              oursToFloor: median(oursToFloorRuns),
            },
          },
        },
      ];
    }),
  );
}

export function printSuiteFloors(rows: ReturnType<typeof suiteFloorRatios>) {
  const pad = (s: unknown, n: number) => String(s ?? '-').padEnd(n);
  console.log('\nRxDB runPerformanceTests, interleaved with the raw floor (ratios to memory, same run)');
  console.log(
    pad('step', 26) +
      pad('RxDB SQLite', 12) +
      pad('ours', 8) +
      pad('floor', 8) +
      pad('ours/floor', 11) +
      pad('floor NORMAL', 13) +
      pad('floor plain', 12) +
      'status',
  );
  for (const [step, r] of Object.entries(rows)) {
    console.log(
      pad(step, 26) +
        pad(r.rxdbSqlite, 12) +
        pad(r.oursToMemory, 8) +
        pad(r.floorToMemory, 8) +
        pad(r.oursToFloor, 11) +
        pad(r.diagnostic.floorNormalToMemory, 13) +
        pad(r.diagnostic.floorPlainToMemory, 12) +
        r.status,
    );
  }
}
