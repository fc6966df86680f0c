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

export type StepStatus =
  'holds' | 'floor above the peer' | 'floor with the keychain above the peer' | 'ours above floor';

/**
 * Per step, against the peer's ratio:
 * - `oursToMemory`: the figure, each side averaged over its iterations as RxDB averages
 *   its runs (the fastest of each side, possibly from different iterations);
 * - `floorToMemory`, `oursToFloor`: ratios taken within each iteration (the same moment: the
 *   disk's fsync latency moved 10x between iterations of one run), their median;
 * - `diagnostic`: the floor at NORMAL and without the cipher, ours at NORMAL, the same way;
 * - `status`: holds (ours ≤ peer), floor above the peer (no encrypted durable SQLite storage can
 *   meet it on this disk), floor with the keychain above the peer (only a step with keychain work,
 *   time-to-first-insert: the floor storing a new database's key in the OS keychain and reading it
 *   back first, as every storage keeping its key there must), or ours above floor (a lever is left
 *   in our code).
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
    /** A side reporting only steps with keychain work (rawFirstInsertWithKeychain). */
    floorKeychain?: string;
  },
) {
  const a = suite.averaged;
  const it = suite.perIteration;
  return Object.fromEntries(
    SUITE_STEPS.map((step) => {
      const within = (num: string, den: string) => it[num]!.map((r, i) => ratio(r[step], it[den]![i]![step]));
      const keychain = names.floorKeychain;
      const withKeychain =
        keychain && it[keychain]!.some((r) => r[step] !== undefined)
          ? {
              floorKeychainToMemory: within(keychain, names.memory),
              oursToFloorKeychain: within(names.ours, keychain),
            }
          : undefined;
      const perIteration = {
        oursToMemory: within(names.ours, names.memory),
        floorToMemory: within(names.floor, names.memory),
        oursToFloor: within(names.ours, names.floor),
        floorNormalToMemory: within(names.floorNormal, names.memory),
        floorPlainToMemory: within(names.floorPlain, names.memory),
        oursNormalToMemory: within(names.oursNormal, names.memory),
        oursNormalToFloorNormal: within(names.oursNormal, names.floorNormal),
        // Memory's figure is nearly all RxDB's own work, which ours pays too: what is left is the storage's.
        oursLessMemoryToFloor: it[names.ours]!.map((r, i) =>
          ratio(
            r[step] === undefined ? undefined : r[step]! - (it[names.memory]![i]![step] ?? 0),
            it[names.floor]![i]![step],
          ),
        ),
      };
      const m = Object.fromEntries(Object.entries(perIteration).map(([k, v]) => [k, median(v)])) as Record<
        keyof typeof perIteration,
        number | null
      >;
      const floorKeychainToMemory = withKeychain ? median(withKeychain.floorKeychainToMemory) : null;
      const mem = a[names.memory]![step];
      const oursToMemory = ratio(a[names.ours]![step], mem);
      const status: StepStatus =
        oursToMemory !== null && oursToMemory <= peer[step]!
          ? 'holds'
          : m.floorToMemory !== null && m.floorToMemory > peer[step]!
            ? 'floor above the peer'
            : floorKeychainToMemory !== null && floorKeychainToMemory > peer[step]!
              ? 'floor with the keychain above the peer'
              : 'ours above floor';
      return [
        step,
        {
          rxdbSqlite: peer[step],
          oursToMemory,
          floorToMemory: m.floorToMemory,
          oursToFloor: m.oursToFloor,
          ...(withKeychain && {
            floorKeychainToMemory,
            oursToFloorKeychain: median(withKeychain.oursToFloorKeychain),
          }),
          status,
          diagnostic: {
            floorNormalToMemory: m.floorNormalToMemory,
            floorPlainToMemory: m.floorPlainToMemory,
            oursNormalToMemory: m.oursNormalToMemory,
            oursNormalToFloorNormal: m.oursNormalToFloorNormal,
            oursToMemorySameIteration: m.oursToMemory,
            oursLessMemoryToFloor: m.oursLessMemoryToFloor,
          },
          /** Each side averaged over its iterations as RxDB does (ms), and their ratios. */
          suiteAveraging: {
            ms: {
              ours: a[names.ours]![step],
              memory: mem,
              floor: a[names.floor]![step],
              floorNormal: a[names.floorNormal]![step],
              floorPlain: a[names.floorPlain]![step],
              oursNormal: a[names.oursNormal]![step],
            },
            floorToMemory: ratio(a[names.floor]![step], mem),
            oursToFloor: ratio(a[names.ours]![step], a[names.floor]![step]),
          },
          perIteration: { ...perIteration, ...withKeychain },
        },
      ];
    }),
  );
}

export function printSuiteFloors(rows: ReturnType<typeof suiteFloorRatios>) {
  const pad = (s: unknown, n: number) => String(s ?? '-').padEnd(n);
  console.log(
    '\nRxDB runPerformanceTests interleaved with its raw floor: ours/memory as RxDB averages, the rest medians of same-iteration ratios',
  );
  console.log(
    pad('step', 26) +
      pad('RxDB SQLite', 12) +
      pad('ours', 8) +
      pad('floor', 8) +
      pad('ours/floor', 11) +
      pad('(ours-mem)/floor', 17) +
      pad('floor NORMAL', 13) +
      pad('floor plain', 12) +
      pad('floor+keychain', 15) +
      'status',
  );
  for (const [step, r] of Object.entries(rows)) {
    console.log(
      pad(step, 26) +
        pad(r.rxdbSqlite, 12) +
        pad(r.oursToMemory, 8) +
        pad(r.floorToMemory, 8) +
        pad(r.oursToFloor, 11) +
        pad(r.diagnostic.oursLessMemoryToFloor, 17) +
        pad(r.diagnostic.floorNormalToMemory, 13) +
        pad(r.diagnostic.floorPlainToMemory, 12) +
        pad('floorKeychainToMemory' in r ? r.floorKeychainToMemory : undefined, 15) +
        r.status,
    );
  }
}
