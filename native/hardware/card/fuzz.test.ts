import { describe, expect, it } from 'vitest';
import {
  chunkReports,
  idTechPacket,
  keyboardReaderReports,
  magneSafeReport,
  magTekReport,
  withLrc,
} from '../sim/card-readers';
import { MC_TRACK1, MC_TRACK2, VISA_TRACK1, VISA_TRACK2 } from './fixtures';
import { IdTechCardReader, KeyboardCardReader, MagTekCardReader, type CardReader } from './readers';
import { findsDigitRun, prng, testProcessor } from './test-support';
import type { SwipeResult } from './types';

const CASES = 3000;

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * out.length);
    const kind = rand();
    if (kind < 0.6) out[at] = Math.floor(rand() * 256);
    else if (kind < 0.8) out[at] = 0x30 + Math.floor(rand() * 10);
    else out[at] = (out[at] ?? 0) ^ (1 << Math.floor(rand() * 8));
  }
  return rand() < 0.1 ? out.subarray(0, Math.floor(rand() * out.length)) : out;
}

function garbage(rand: () => number, maxLength: number): Uint8Array {
  const out = new Uint8Array(Math.floor(rand() * maxLength));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

async function run(make: (log: (l: string) => void) => CardReader, streams: Uint8Array[][]) {
  const lines: string[] = [];
  const reader = make((l) => lines.push(l));
  const results: SwipeResult[] = [];
  reader.onSwipe((r) => results.push(r));
  let t = 0;
  let thrown = 0;
  for (const stream of streams) {
    for (const report of stream) {
      try {
        reader.feed(report, (t += 3));
      } catch {
        thrown++;
      }
    }
    t += 5000;
  }
  expect(thrown).toBe(0);
  await reader.idle();
  return { results, lines };
}

function expectNoCardNumbers(results: SwipeResult[], lines: string[]) {
  for (const r of results) {
    if (findsDigitRun(r))
      throw new Error(`a result holds a digit run: ${JSON.stringify(r).replace(/\d/g, '#')}`);
  }
  for (const l of lines) expect(findsDigitRun(l)).toBe(false);
}

const validTracks = [
  { track1: VISA_TRACK1, track2: VISA_TRACK2 },
  { track1: withLrc(MC_TRACK1), track2: withLrc(MC_TRACK2) },
];

describe('drivers under garbage and mutated input (seeded)', () => {
  it('MagTek: never throws, never yields a card number', async () => {
    const rand = prng(7813);
    const streams: Uint8Array[][] = [];
    for (let i = 0; i < CASES; i++) {
      const base = magTekReport(validTracks[i % 2] ?? {});
      streams.push([i % 3 === 0 ? garbage(rand, 400) : mutate(base, rand)]);
    }
    const { results, lines } = await run(
      (log) => new MagTekCardReader(testProcessor(log).processor),
      streams,
    );
    expect(results.length).toBe(CASES);
    expectNoCardNumbers(results, lines);
  });

  it('ID TECH: never throws, never yields a card number', async () => {
    const rand = prng(4909);
    const streams: Uint8Array[][] = [];
    for (let i = 0; i < CASES; i++) {
      const base = idTechPacket(validTracks[i % 2] ?? {});
      streams.push(
        i % 3 === 0 ? [garbage(rand, 200)] : chunkReports(mutate(base, rand), 1 + Math.floor(rand() * 64)),
      );
    }
    const { results, lines } = await run(
      (log) => new IdTechCardReader(testProcessor(log).processor),
      streams,
    );
    expectNoCardNumbers(results, lines);
  });

  it('MagneSafe and ID TECH in encrypted mode (masked tracks): never throw, never yield a card number', async () => {
    const rand = prng(99875475);
    const magneSafe: Uint8Array[][] = [];
    const idTech: Uint8Array[][] = [];
    for (let i = 0; i < CASES; i++) {
      const mask = i % 2 ? '*' : '0';
      const tracks = validTracks[i % 2] ?? {};
      magneSafe.push([mutate(magneSafeReport(tracks, { encrypted: true, mask }), rand)]);
      idTech.push(chunkReports(mutate(idTechPacket(tracks, { encrypted: true, mask }), rand), 64));
    }
    const ms = await run((log) => new MagTekCardReader(testProcessor(log).processor), magneSafe);
    expect(ms.results.length).toBe(CASES);
    expectNoCardNumbers(ms.results, ms.lines);
    const id = await run((log) => new IdTechCardReader(testProcessor(log).processor), idTech);
    expectNoCardNumbers(id.results, id.lines);
    // Whatever the mutation, a good result holds brand, last four and at most an expiry.
    for (const r of [...ms.results, ...id.results]) {
      if (r.ok) expect(Object.keys(r).sort()).toEqual(expect.arrayContaining(['brand', 'last4', 'ok']));
      if (r.ok)
        expect(Object.keys(r).filter((k) => !['ok', 'brand', 'last4', 'expiry'].includes(k))).toEqual([]);
    }
  });

  it('keyboard emulation: never throws, never yields a card number', async () => {
    const rand = prng(1143);
    const streams: Uint8Array[][] = [];
    for (let i = 0; i < CASES; i++) {
      const layout = i % 2 ? 'us' : 'fr-azerty';
      const reports = keyboardReaderReports(validTracks[i % 2] ?? {}, { layout });
      const at = Math.floor(rand() * reports.length);
      const stream = reports.map((r, j) => (j === at || rand() < 0.01 ? mutate(r, rand) : r));
      streams.push(i % 5 === 0 ? [garbage(rand, 16), garbage(rand, 16)] : stream);
    }
    const reader = (log: (l: string) => void) =>
      new KeyboardCardReader(testProcessor(log).processor, { layout: 'us' });
    const { results, lines } = await run(reader, streams);
    expectNoCardNumbers(results, lines);
  });
});

describe('the full PAN stays inside native/', () => {
  it('appears in no result, error or log line of a full swipe, good or bad', async () => {
    const pan = '4111111111111111';
    const lines: string[] = [];
    const { processor } = testProcessor((l) => lines.push(l));
    const readers: Array<[CardReader, Uint8Array[]]> = [
      [new MagTekCardReader(processor), [magTekReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 })]],
      [
        new IdTechCardReader(processor),
        chunkReports(idTechPacket({ track1: VISA_TRACK1, track2: VISA_TRACK2 })),
      ],
      [
        new KeyboardCardReader(processor, { layout: 'fr-azerty' }),
        keyboardReaderReports({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { layout: 'fr-azerty' }),
      ],
      // Bad swipes: expired, LRC mismatch, Luhn failure.
      [new MagTekCardReader(processor), [magTekReport({ track2: ';4111111111111111=20011010000?' })]],
      [new MagTekCardReader(processor), [magTekReport({ track2: `${VISA_TRACK2}0` })]],
      [new MagTekCardReader(processor), [magTekReport({ track2: ';4111111111111112=28121010000?' })]],
    ];
    const results: SwipeResult[] = [];
    const logged: unknown[] = [];
    const originals = { log: console.log, error: console.error, warn: console.warn, info: console.info };
    for (const k of Object.keys(originals) as Array<keyof typeof originals>)
      console[k] = (...a) => logged.push(a);
    try {
      for (const [reader, reports] of readers) {
        reader.onSwipe((r) => results.push(r));
        reports.forEach((r, i) => reader.feed(r, i));
        await reader.idle();
      }
    } finally {
      Object.assign(console, originals);
    }
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'ok',
      'ok',
      'CARD_EXPIRED',
      'LRC_MISMATCH',
      'LUHN_FAILED',
    ]);
    const everything = JSON.stringify({ results, lines, logged });
    expect(everything).not.toContain(pan);
    expect(everything).not.toContain('411111111111');
    expect(lines.length).toBe(6);
  });
});
