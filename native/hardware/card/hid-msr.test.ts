import { describe, expect, it } from 'vitest';
import { chunkReports, hidMsrReport, idTechPacket, keyboardReaderReports } from '../sim/card-readers';
import { msrReportDescriptor } from '../sim/descriptors';
import {
  cardFormatFromDescriptor,
  msrLayoutFromDescriptor,
  summariseDescriptor,
} from '../discovery/report-descriptor';
import { MC_TRACK2, VISA_TRACK1, VISA_TRACK2, hexReport, magTekFixture } from './fixtures';
import { HidMsrCardReader, IdTechCardReader, MagTekCardReader, DECODER_THREW } from './readers';
import { findsDigitRun, prng, swipe, testProcessor, VISA_CLEAR_READ } from './test-support';

/**
 * Readers on the standard HID Magnetic Stripe Reading page (HID POS Usage Tables 1.02, page 0x8E;
 * card/hid-msr.ts): the layout comes from the descriptor's usages, the tracks from the report.
 */
const DESCRIPTOR_HEX =
  '05 8e 09 01 a1 01 15 00 26 ff 00 75 08 95 03 09 11 09 12 09 13 81 02' +
  ' 95 4f 09 21 82 02 01 95 28 09 22 82 02 01 95 6b 09 23 82 02 01 c0';
const layoutOf = (descriptor: Uint8Array) => msrLayoutFromDescriptor(summariseDescriptor(descriptor));
const reader = (reportId?: number) =>
  new HidMsrCardReader(testProcessor().processor, layoutOf(msrReportDescriptor(reportId)));
const outcome = (r: { ok: boolean; reason?: string; brand?: string; last4?: string }) =>
  r.ok ? `${r.brand} ${r.last4}` : r.reason;

describe('standard HID MSR page (0x8E)', () => {
  it('declares its reader byte-exact, and the layout is read from the usages', () => {
    expect(Buffer.from(msrReportDescriptor())).toEqual(Buffer.from(hexReport(DESCRIPTOR_HEX)));
    expect(layoutOf(msrReportDescriptor())).toEqual({
      reportId: 0,
      reportBytes: 229,
      tracks: [
        { lengthAt: 0, dataAt: 3, dataBytes: 79 },
        { lengthAt: 1, dataAt: 82, dataBytes: 40 },
        { lengthAt: 2, dataAt: 122, dataBytes: 107 },
      ],
    });
    expect(layoutOf(msrReportDescriptor(3))).toMatchObject({
      reportId: 3,
      reportBytes: 230,
      tracks: [
        { lengthAt: 1, dataAt: 4 },
        { lengthAt: 2, dataAt: 83 },
        { lengthAt: 3, dataAt: 123 },
      ],
    });
    expect(cardFormatFromDescriptor(summariseDescriptor(msrReportDescriptor()))).toBe('hid-msr');
  });

  it('reads lengths declared as a Usage Minimum/Maximum range and the data before the lengths', () => {
    // Track 2 Data (40 bytes) first, then Usage Minimum (Track 1 Length) … Maximum (Track 3 Length).
    const descriptor = hexReport('05 8e 09 01 a1 01 75 08 95 28 09 22 82 02 01 95 03 19 11 29 13 81 02 c0');
    expect(layoutOf(descriptor)).toEqual({
      reportId: 0,
      reportBytes: 43,
      tracks: [null, { lengthAt: 41, dataAt: 0, dataBytes: 40 }, null],
    });
  });

  it('sends its report byte-exact: lengths, then each track zero-padded to its field', () => {
    const r = hidMsrReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 });
    expect(r).toHaveLength(229);
    expect(Buffer.from(r.subarray(0, 3)).toString('hex')).toBe('2d2400');
    expect(Buffer.from(r.subarray(3, 3 + 45)).toString('latin1')).toBe(VISA_TRACK1);
    expect(r.subarray(48, 82).every((b) => b === 0)).toBe(true);
    expect(Buffer.from(r.subarray(82, 82 + 36)).toString('latin1')).toBe(VISA_TRACK2);
    expect([...hidMsrReport({ track2: MC_TRACK2 }, { reportId: 3 }).subarray(0, 4)]).toEqual([3, 0, 30, 0]);
  });

  it.each([
    [
      'both tracks',
      () => [hidMsrReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 })],
      undefined,
      'visa 1111',
    ],
    [
      'track 2 only, report ID 3',
      () => [hidMsrReport({ track2: MC_TRACK2 }, { reportId: 3 })],
      3,
      'mastercard 4444',
    ],
    [
      'an unreadable track sent empty',
      () => [hidMsrReport({ track1: 'error', track2: VISA_TRACK2 })],
      undefined,
      'visa 1111',
    ],
    ['no track at all', () => [hidMsrReport({})], undefined, 'NO_TRACK_DATA'],
    [
      'a report one byte short',
      () => [hidMsrReport({ track2: VISA_TRACK2 }).subarray(0, 228)],
      undefined,
      'BAD_REPORT',
    ],
    [
      'a length beyond its field',
      () => {
        const r = hidMsrReport({ track2: VISA_TRACK2 });
        r[1] = 41;
        return [r];
      },
      undefined,
      'BAD_REPORT',
    ],
    ['MagTek’s 337-byte report', () => [magTekFixture()], undefined, 'BAD_REPORT'],
    [
      'an ID TECH packet in 64-byte reports',
      () => chunkReports(idTechPacket({ track2: VISA_TRACK2 })).slice(0, 1),
      undefined,
      'BAD_REPORT',
    ],
    [
      'a boot keyboard report',
      () => keyboardReaderReports({ track2: VISA_TRACK2 }, { layout: 'us' }).slice(0, 1),
      undefined,
      'BAD_REPORT',
    ],
  ])('%s', async (_name, reports, reportId, expected) => {
    const results = await swipe(reader(reportId), reports());
    expect(results.map(outcome)).toEqual([expected]);
  });

  it('gives the full card only from clear tracks, never the number itself', async () => {
    const [r] = await swipe(reader(), [hidMsrReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 })]);
    expect(r).toMatchObject(VISA_CLEAR_READ);
    expect(JSON.stringify(r)).not.toContain('4111111111111111');
  });

  it('skips reports under another report ID, and refuses every report without a layout', async () => {
    expect(await swipe(reader(3), [hidMsrReport({ track2: VISA_TRACK2 }, { reportId: 4 })])).toEqual([]);
    const blind = new HidMsrCardReader(testProcessor().processor, undefined);
    expect((await swipe(blind, [hidMsrReport({ track2: VISA_TRACK2 })])).map(outcome)).toEqual([
      'BAD_REPORT',
    ]);
  });

  it('is refused by the vendor decoders', async () => {
    const report = hidMsrReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 });
    expect((await swipe(new MagTekCardReader(testProcessor().processor), [report])).map(outcome)).toEqual([
      'BAD_REPORT',
    ]);
    expect(await swipe(new IdTechCardReader(testProcessor().processor), [report])).toEqual([]);
  });

  it('never throws on mutated reports and never lets a card number into a failure', async () => {
    const rand = prng(18);
    const reports = Array.from({ length: 1500 }, () => {
      const r = hidMsrReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 });
      const n = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) r[Math.floor(rand() * r.length)] = Math.floor(rand() * 256);
      return r;
    });
    const results = await swipe(reader(), reports);
    expect(results).toHaveLength(1500);
    expect(findsDigitRun(results.filter((r) => !r.ok))).toBe(false);
    // The reader's catch-all for a decoder that threw never fires.
    expect(results.filter((r) => !r.ok && r.message === DECODER_THREW)).toEqual([]);
    expect(results.every((r) => !r.ok || r.last4 === '1111')).toBe(true);
  });
});
