import { describe, expect, it } from 'vitest';
import { chunkReports, hidMsrReport, idTechHidReport, idTechPacket } from '../sim/card-readers';
import { msrReportDescriptor, vendorReportDescriptor } from '../sim/descriptors';
import {
  cardFormatFromDescriptor,
  msrLayoutFromDescriptor,
  summariseDescriptor,
} from '../discovery/report-descriptor';
import { MC_TRACK1, MC_TRACK2, VISA_TRACK1, VISA_TRACK2, magTekFixture } from './fixtures';
import { HidMsrCardReader, IdTechCardReader, MagTekCardReader, DECODER_THREW } from './readers';
import { findsDigitRun, prng, swipe, testProcessor } from './test-support';

/**
 * ID TECH's own HID report (card/idtech-hid.ts; MiniMag II and SecureHead manuals), and the
 * report descriptor choosing it (issue #18, item 10).
 */
const outcome = (r: { ok: boolean; reason?: string; brand?: string; last4?: string }) =>
  r.ok ? `${r.brand} ${r.last4}` : r.reason;
const idTech = () => new IdTechCardReader(testProcessor().processor);
const formatFor = (bytes: number) =>
  cardFormatFromDescriptor(summariseDescriptor(vendorReportDescriptor(bytes)));

describe('ID TECH HID Reader Data Structure', () => {
  it('sends the report byte-exact: status, lengths, encode type, output length, tracks with CR', () => {
    const r = idTechHidReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 });
    expect(r).toHaveLength(521);
    // 45 + CR + 36 + CR = 83 = 0x53, low byte first.
    expect(Buffer.from(r.subarray(0, 9)).toString('hex')).toBe('0000002d2400805300');
    expect(Buffer.from(r.subarray(9, 9 + 83)).toString('latin1')).toBe(`${VISA_TRACK1}\r${VISA_TRACK2}\r`);
    expect(r.subarray(92).every((b) => b === 0)).toBe(true);
    expect(idTechHidReport({ track1: 'error', track2: MC_TRACK2 }, { size: 500 }).subarray(0, 9)).toEqual(
      Uint8Array.from([1, 0, 0, 0, 30, 0, 0x80, 31, 0]),
    );
  });

  it.each([
    [
      'both tracks (SecureHead, 521 bytes)',
      () => [idTechHidReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 })],
      'visa 1111',
    ],
    [
      'track 1 unreadable (MiniMag II, 500 bytes)',
      () => [idTechHidReport({ track1: 'error', track2: MC_TRACK2 }, { size: 500 })],
      'mastercard 4444',
    ],
    ['both unreadable', () => [idTechHidReport({ track1: 'error', track2: 'error' })], 'UNREADABLE_TRACK'],
    ['no track', () => [idTechHidReport({})], 'NO_TRACK_DATA'],
    [
      'an output length beyond the report',
      () => {
        const r = idTechHidReport({ track2: VISA_TRACK2 }, { size: 500 });
        r[8] = 0x02;
        return [r];
      },
      'BAD_REPORT',
    ],
    [
      'the Enhanced packet, encrypted, as output data',
      () => [idTechHidReport({ track1: MC_TRACK1, track2: MC_TRACK2 }, { encrypted: true })],
      'mastercard 4444',
    ],
    [
      'an Enhanced packet in 64-byte reports after it',
      () => [idTechHidReport({ track2: VISA_TRACK2 }), ...chunkReports(idTechPacket({ track2: MC_TRACK2 }))],
      'visa 1111,mastercard 4444',
    ],
  ])('%s', async (_name, reports, expected) => {
    const results = await swipe(idTech(), reports());
    expect(results.map(outcome).join(',')).toBe(expected);
    expect(findsDigitRun(results.filter((r) => !r.ok))).toBe(false);
  });

  it('gives only brand, last four and expiry from the encrypted packet it carries', async () => {
    const report = idTechHidReport({ track1: MC_TRACK1, track2: MC_TRACK2 }, { encrypted: true });
    expect(Buffer.from(report).includes('5555555555554444')).toBe(false);
    expect(await swipe(idTech(), [report])).toEqual([
      { ok: true, brand: 'mastercard', last4: '4444', expiry: '2027-03' },
    ]);
  });

  it('is refused by the other decoders, and refuses theirs', async () => {
    const report = idTechHidReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 });
    const msr = new HidMsrCardReader(
      testProcessor().processor,
      msrLayoutFromDescriptor(summariseDescriptor(msrReportDescriptor())),
    );
    expect((await swipe(new MagTekCardReader(testProcessor().processor), [report])).map(outcome)).toEqual([
      'BAD_REPORT',
    ]);
    expect((await swipe(msr, [report])).map(outcome)).toEqual(['BAD_REPORT']);
    expect(await swipe(idTech(), [magTekFixture(), hidMsrReport({ track2: VISA_TRACK2 })])).toEqual([]);
  });
});

describe('ID TECH HID reports under mutation', () => {
  it('never throws and never lets a card number into a failure', async () => {
    const rand = prng(512);
    const pick = (n: number) => Math.floor(rand() * n);
    const reports = Array.from({ length: 1000 }, (_, i) => {
      const r = idTechHidReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { encrypted: i % 2 === 1 });
      for (let k = 0; k <= pick(3); k++) r[pick(120)] = pick(256);
      return r;
    });
    const reader = idTech();
    const results = await swipe(reader, reports);
    expect(findsDigitRun(results.filter((r) => !r.ok))).toBe(false);
    // The reader's catch-all for a decoder that threw never fires.
    expect(results.filter((r) => !r.ok && r.message === DECODER_THREW)).toEqual([]);
    expect(results.every((r) => !r.ok || r.last4 === '1111')).toBe(true);
  });
});

describe('the report descriptor choosing the ID TECH layout', () => {
  it('chooses idtech for a vendor-page report of 500 to 521 bytes, and only there', () => {
    expect([formatFor(500), formatFor(512), formatFor(521)]).toEqual(['idtech', 'idtech', 'idtech']);
    expect([formatFor(64), formatFor(499), formatFor(522)]).toEqual([undefined, undefined, undefined]);
    expect([formatFor(337), formatFor(887)]).toEqual(['magtek', 'magtek']);
    expect(cardFormatFromDescriptor(summariseDescriptor(msrReportDescriptor()))).toBe('hid-msr');
  });
});
