import { describe, expect, it, vi } from 'vitest';
import { BootReportDecoder } from '../keyboard/boot-report';
import {
  chunkReports,
  idTechPacket,
  keyboardReaderReports,
  magneSafeReport,
  magTekReport,
  withLrc,
} from '../sim/card-readers';
import { brandOf } from './brand';
import {
  AMEX_TRACK2,
  AZERTY_KEYBOARD_SAMPLE_HEX,
  MC_TRACK1,
  MC_TRACK2,
  US_KEYBOARD_SAMPLE_HEX,
  VISA_TRACK1,
  VISA_TRACK2,
  VISA_TRACK2_WITH_LRC,
  hexReport,
  idTechFixture,
  magTekFixture,
} from './fixtures';
import { luhnValid } from './luhn';
import { IdTechCardReader, KeyboardCardReader, MagTekCardReader } from './readers';
import { splitTracks } from './split-tracks';
import { swipe, testProcessor, VISA_CLEAR_READ } from './test-support';
import { CARD_TOKEN_KEY_ACCOUNT } from './tokenizer';
import { parseTrack1, parseTrack2 } from './track-parse';
import type { SwipeResult } from './types';

const ascii = (s: string) => Buffer.from(s, 'latin1');
const ok = (data: string) => ({ status: 'ok' as const, data: ascii(data) });
const absent = { status: 'absent' as const };

describe('ISO/IEC 7813 track parsing', () => {
  it('reads track 1 fields', () => {
    const t = parseTrack1(ascii(VISA_TRACK1));
    expect('ok' in t).toBe(false);
    if ('ok' in t) return;
    expect(t.pan.toString()).toBe('4111111111111111');
    expect(t.name).toBe('John Doe');
    expect(t.expiry).toBe('2812');
    expect(t.serviceCode).toBe('101');
  });

  it('reads track 2 fields', () => {
    const t = parseTrack2(ascii(AMEX_TRACK2));
    if ('ok' in t) throw new Error(t.reason);
    expect(t.pan.toString()).toBe('378282246310005');
    expect(t.expiry).toBe('2901');
  });

  it('checks the LRC character when the reader passes it on', () => {
    expect(withLrc(VISA_TRACK2)).toBe(VISA_TRACK2_WITH_LRC);
    expect('ok' in parseTrack2(ascii(VISA_TRACK2_WITH_LRC))).toBe(false);
    const bad = VISA_TRACK2_WITH_LRC.slice(0, -1) + '4';
    expect(parseTrack2(ascii(bad))).toMatchObject({ ok: false, reason: 'LRC_MISMATCH' });
    expect('ok' in parseTrack1(ascii(withLrc(VISA_TRACK1)))).toBe(false);
    expect(parseTrack1(ascii(VISA_TRACK1 + '!'))).toMatchObject({ reason: 'LRC_MISMATCH' });
  });

  it('names framing failures', () => {
    expect(parseTrack1(ascii(VISA_TRACK1.slice(1)))).toMatchObject({ reason: 'NO_START_SENTINEL' });
    expect(parseTrack2(ascii(VISA_TRACK2.slice(0, -1)))).toMatchObject({ reason: 'NO_END_SENTINEL' });
    expect(parseTrack2(ascii(';4111111111111111?'))).toMatchObject({ reason: 'BAD_FORMAT' });
    expect(parseTrack1(ascii('%B4111111111111111^DOE/JOHN2812101?'))).toMatchObject({ reason: 'BAD_FORMAT' });
    expect(parseTrack2(ascii(';41111=28121010000?'))).toMatchObject({ reason: 'BAD_PAN_LENGTH' });
    expect(parseTrack2(ascii(';4111A11111111111=2812101?'))).toMatchObject({ reason: 'BAD_CHARACTER' });
  });

  it('never puts track data in failure messages', () => {
    const f = parseTrack2(ascii(';4111111111111111=28121010000000000?9'));
    expect(JSON.stringify(f)).not.toMatch(/\d{6,}/);
  });
});

describe('Luhn and brands', () => {
  it('checks Luhn', () => {
    expect(luhnValid(ascii('4111111111111111'))).toBe(true);
    expect(luhnValid(ascii('4111111111111112'))).toBe(false);
    expect(luhnValid(ascii('378282246310005'))).toBe(true);
  });

  it.each([
    ['4111111111111111', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223000048400011', 'mastercard'],
    ['378282246310005', 'amex'],
    ['6011111111111117', 'discover'],
    ['3530111333300000', 'jcb'],
    ['6200000000000005', 'unionpay'],
    ['5061000000000000', 'verve'],
    ['6500020000000000', 'verve'],
    ['6500300000000000', 'discover'],
    ['9999999999999999', 'unknown'],
  ])('%s is %s', (pan, brand) => {
    expect(brandOf(ascii(pan))).toBe(brand);
  });
});

describe('swipe processing', () => {
  it('gives brand, last4, expiry, service code, token and name — never the PAN', async () => {
    const { processor, keyStore } = testProcessor();
    const r = await processor.process({ track1: ok(VISA_TRACK1), track2: ok(VISA_TRACK2) });
    expect(r).toMatchObject({
      ok: true,
      brand: 'visa',
      last4: '1111',
      expiry: '2028-12',
      serviceCode: '101',
      cardholderName: 'John Doe',
    });
    expect(JSON.stringify(r)).not.toContain('4111111111111111');
    expect((await keyStore.get(CARD_TOKEN_KEY_ACCOUNT))?.length).toBe(32);
  });

  it('gives the same token for the same card on this terminal, another on another terminal', async () => {
    const { processor } = testProcessor();
    const a = await processor.process({ track1: absent, track2: ok(VISA_TRACK2) });
    const b = await processor.process({ track1: ok(VISA_TRACK1), track2: absent });
    const c = await processor.process({ track1: absent, track2: ok(MC_TRACK2) });
    const other = await testProcessor().processor.process({ track1: absent, track2: ok(VISA_TRACK2) });
    if (!a.ok || !b.ok || !c.ok || !other.ok) throw new Error('expected good swipes');
    expect(a.token).toBe(b.token);
    expect(a.token).not.toBe(c.token);
    expect(a.token).not.toBe(other.token);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rejects expired cards against the clock it is given', async () => {
    const { processor } = testProcessor();
    const expired = await processor.process({ track1: absent, track2: ok(';4111111111111111=26021010000?') });
    expect(expired).toMatchObject({ ok: false, reason: 'CARD_EXPIRED' });
    const thisMonth = await processor.process({
      track1: absent,
      track2: ok(';4111111111111111=26031010000?'),
    });
    expect(thisMonth.ok).toBe(true);
    const badMonth = await processor.process({
      track1: absent,
      track2: ok(';4111111111111111=28131010000?'),
    });
    expect(badMonth).toMatchObject({ reason: 'BAD_EXPIRY' });
  });

  it('rejects Luhn failures, bad service codes and disagreeing tracks', async () => {
    const { processor } = testProcessor();
    expect(
      await processor.process({ track1: absent, track2: ok(';4111111111111112=28121010000?') }),
    ).toMatchObject({ reason: 'LUHN_FAILED' });
    expect(
      await processor.process({ track1: absent, track2: ok(';4111111111111111=28123010000?') }),
    ).toMatchObject({ reason: 'BAD_SERVICE_CODE' });
    expect(await processor.process({ track1: ok(VISA_TRACK1), track2: ok(MC_TRACK2) })).toMatchObject({
      reason: 'TRACK_MISMATCH',
    });
  });

  it('uses the good track when the other could not be read', async () => {
    const { processor } = testProcessor();
    const r = await processor.process({ track1: { status: 'error' }, track2: ok(MC_TRACK2) });
    expect(r).toMatchObject({ ok: true, brand: 'mastercard', last4: '4444' });
    expect(
      await processor.process({ track1: { status: 'error' }, track2: { status: 'error' } }),
    ).toMatchObject({
      reason: 'UNREADABLE_TRACK',
    });
    expect(await processor.process({ track1: absent, track2: absent })).toMatchObject({
      reason: 'NO_TRACK_DATA',
    });
  });

  it('reports an unavailable keychain as a failed swipe, not an exception', async () => {
    const { SwipeProcessor } = await import('./swipe');
    const { CardTokenizer } = await import('./tokenizer');
    const broken = {
      get: async () => {
        throw new Error('locked');
      },
      set: async () => undefined,
      delete: async () => false,
    };
    const p = new SwipeProcessor({ tokenizer: new CardTokenizer(broken), now: () => new Date('2026-01-01') });
    expect(await p.process({ track1: absent, track2: ok(VISA_TRACK2) })).toMatchObject({
      ok: false,
      reason: 'TOKEN_KEY_UNAVAILABLE',
    });
  });
});

describe('keyboard-emulation readers', () => {
  it('decodes the US sample reports', () => {
    const d = new BootReportDecoder('us');
    const text = US_KEYBOARD_SAMPLE_HEX.flatMap((h) => d.decode(hexReport(h)))
      .map((e) => (e.kind === 'char' ? e.text : '\n'))
      .join('');
    expect(text).toBe(';41=?');
  });

  it('decodes the AZERTY sample reports', () => {
    const d = new BootReportDecoder('fr-azerty');
    const text = AZERTY_KEYBOARD_SAMPLE_HEX.flatMap((h) => d.decode(hexReport(h)))
      .map((e) => (e.kind === 'char' ? e.text : '\n'))
      .join('');
    expect(text).toBe(';41=?');
  });

  it('types a key once while it is held, and ignores rollover reports', () => {
    const d = new BootReportDecoder('us');
    expect(d.decode(hexReport('00 00 04 00 00 00 00 00'))).toEqual([{ kind: 'char', text: 'a' }]);
    expect(d.decode(hexReport('00 00 04 05 00 00 00 00'))).toEqual([{ kind: 'char', text: 'b' }]);
    expect(d.decode(hexReport('00 00 01 01 01 01 01 01'))).toEqual([]);
    expect(d.decode(hexReport('00 00 04'))).toEqual([]);
  });

  it.each([
    ['us', false],
    ['fr-azerty', false],
    ['fr-azerty', true],
  ] as const)('reads a full swipe typed in %s (caret as dead key: %s)', async (layout, caretAsDeadKey) => {
    const { processor } = testProcessor();
    const reader = new KeyboardCardReader(processor, { layout });
    const reports = keyboardReaderReports(
      { track1: withLrc(VISA_TRACK1), track2: VISA_TRACK2 },
      { layout, caretAsDeadKey },
    );
    const [r] = await swipe(reader, reports);
    expect(r).toMatchObject({ ok: true, brand: 'visa', last4: '1111', cardholderName: 'John Doe' });
  });

  it('reports an unreadable track typed as %E?', async () => {
    const { processor } = testProcessor();
    const reader = new KeyboardCardReader(processor, { layout: 'us' });
    const [r] = await swipe(
      reader,
      keyboardReaderReports({ track1: 'error', track2: 'error' }, { layout: 'us' }),
    );
    expect(r).toMatchObject({ ok: false, reason: 'UNREADABLE_TRACK' });
  });

  it('drops a swipe cut off before its Enter', async () => {
    const { processor } = testProcessor();
    const reader = new KeyboardCardReader(processor, { layout: 'us', idleResetMs: 500 });
    const results: SwipeResult[] = [];
    reader.onSwipe((r) => results.push(r));
    const partial = keyboardReaderReports({ track2: VISA_TRACK2 }, { layout: 'us' }).slice(0, 10);
    partial.forEach((r, i) => reader.feed(r, i));
    keyboardReaderReports({ track2: MC_TRACK2 }, { layout: 'us' }).forEach((r, i) =>
      reader.feed(r, 10_000 + i),
    );
    await reader.idle();
    expect(results.map((r) => (r.ok ? r.last4 : r.reason))).toEqual(['NO_END_SENTINEL', '4444']);
  });

  it('reads an ID TECH reader that types Enter between tracks as one swipe', async () => {
    const { processor } = testProcessor();
    const reader = new KeyboardCardReader(processor, { layout: 'us' });
    const reports = keyboardReaderReports(
      { track1: VISA_TRACK1, track2: VISA_TRACK2 },
      { layout: 'us', enterBetweenTracks: true },
    );
    // Enter (usage 0x28) right after track 1's end sentinel, and again at the end.
    const enter = '0000280000000000';
    const hex = reports.map((r) => Buffer.from(r).toString('hex'));
    expect(hex.filter((h) => h === enter)).toHaveLength(2);
    expect(hex.indexOf(enter)).toBe(VISA_TRACK1.length * 2);
    const results = await swipe(reader, reports);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ ok: true, brand: 'visa', last4: '1111', cardholderName: 'John Doe' });
  });

  it('ends a track-1-only keyboard swipe when nothing follows its Enter', async () => {
    vi.useFakeTimers();
    try {
      const { processor } = testProcessor();
      const reader = new KeyboardCardReader(processor, { layout: 'us', idleResetMs: 300 });
      const results: SwipeResult[] = [];
      reader.onSwipe((r) => results.push(r));
      keyboardReaderReports({ track1: MC_TRACK1 }, { layout: 'us' }).forEach((r, i) => reader.feed(r, i));
      await reader.idle();
      expect(results).toEqual([]);
      vi.advanceTimersByTime(300);
      await vi.waitFor(async () => {
        await reader.idle();
        expect(results.map((r) => (r.ok ? r.last4 : r.reason))).toEqual(['4444']);
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('after an Enter following track 1, anything but track 2 starts a new swipe', async () => {
    const { processor } = testProcessor();
    const reader = new KeyboardCardReader(processor, { layout: 'us' });
    const reports = [
      ...keyboardReaderReports({ track1: VISA_TRACK1 }, { layout: 'us' }),
      ...keyboardReaderReports({ track1: MC_TRACK1, track2: MC_TRACK2 }, { layout: 'us' }),
    ];
    const results = await swipe(reader, reports);
    expect(results.map((r) => (r.ok ? r.last4 : r.reason))).toEqual(['1111', '4444']);
  });

  it('splits tracks with and without LRC characters', () => {
    const t = splitTracks(ascii(withLrc(VISA_TRACK1) + withLrc(VISA_TRACK2)));
    expect(t.track1).toEqual(ok(withLrc(VISA_TRACK1)));
    expect(t.track2).toEqual(ok(withLrc(VISA_TRACK2)));
    const plain = splitTracks(ascii(VISA_TRACK1 + VISA_TRACK2));
    expect(plain.track2).toEqual(ok(VISA_TRACK2));
  });
});

describe('MagTek HID reports', () => {
  it('reads the fixture report', async () => {
    const { processor } = testProcessor();
    const [r] = await swipe(new MagTekCardReader(processor), [magTekFixture()]);
    expect(r).toMatchObject(VISA_CLEAR_READ);
  });

  it('matches what the simulator sends', () => {
    expect(Buffer.from(magTekReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 }))).toEqual(
      Buffer.from(magTekFixture()),
    );
  });

  it('reports decode errors and malformed reports', async () => {
    const { processor } = testProcessor();
    const results = await swipe(new MagTekCardReader(processor), [
      magTekReport({ track1: 'error', track2: 'error' }),
      new Uint8Array(64),
      magTekReport({ track2: AMEX_TRACK2 }),
    ]);
    expect(results.map((r) => (r.ok ? r.brand : r.reason))).toEqual([
      'UNREADABLE_TRACK',
      'BAD_REPORT',
      'amex',
    ]);
  });
});

describe('MagTek MagneSafe / eDynamo HID reports', () => {
  it('reads the 887-byte layout with encryption off, byte for byte where the manual puts each field', async () => {
    const report = magneSafeReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { serial: 'B0C1D2E' });
    expect(report.length).toBe(887);
    const field = (from: number, length: number) =>
      Buffer.from(report.subarray(from, from + length)).toString('latin1');
    expect([report[3], report[4]]).toEqual([VISA_TRACK1.length, VISA_TRACK2.length]);
    expect(field(7, VISA_TRACK1.length)).toBe(VISA_TRACK1);
    expect(field(119, VISA_TRACK2.length)).toBe(VISA_TRACK2);
    expect(field(477, 7)).toBe('B0C1D2E');
    // Masked as the MagneSafe V5 manual's example masks: 4 leading digits, expiry kept, '0' after.
    expect(field(620, report[506] ?? 0)).toBe(';4111000000001111=28120000000000000?');
    const { processor } = testProcessor();
    const [r] = await swipe(new MagTekCardReader(processor), [report]);
    expect(r).toMatchObject({ ok: true, brand: 'visa', last4: '1111', expiry: '2028-12' });
  });

  it('takes later firmware’s longer report (HID report version, KSN, battery appended)', async () => {
    const longer = new Uint8Array(930);
    longer.set(magneSafeReport({ track2: MC_TRACK2 }));
    longer[887] = 0x03;
    const { processor } = testProcessor();
    const [r] = await swipe(new MagTekCardReader(processor), [longer]);
    expect(r).toMatchObject({ ok: true, brand: 'mastercard', last4: '4444' });
  });

  it('reads encrypted reports from their masked tracks, and reports tracks the reader could not decode', async () => {
    const { processor } = testProcessor();
    const reader = new MagTekCardReader(processor);
    const results = await swipe(reader, [
      magneSafeReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { encrypted: true }),
      magneSafeReport({ track1: 'error', track2: 'error' }),
    ]);
    // Encrypted reports are read from the masked tracks (issue #18): encrypted-reader.test.ts.
    expect(results.map((r) => (r.ok ? r.last4 : r.reason))).toEqual(['1111', 'UNREADABLE_TRACK']);
  });
});

describe('ID TECH Enhanced-format HID reports', () => {
  it('reads the fixture packet split over 64-byte reports', async () => {
    const { processor } = testProcessor();
    const [r] = await swipe(new IdTechCardReader(processor), chunkReports(idTechFixture()));
    expect(r).toMatchObject({ ok: true, brand: 'mastercard', last4: '4444', expiry: '2027-03' });
    expect(r).toMatchObject({ cardholderName: 'Awa Ndiaye' });
  });

  it('matches what the simulator sends', () => {
    const sim = idTechPacket({ track1: MC_TRACK1, track2: ';5555555555554444=27032010000000000?' });
    expect(Buffer.from(sim)).toEqual(Buffer.from(idTechFixture()));
  });

  it('rejects a packet whose check bytes do not match, and encrypted packets', async () => {
    const { processor } = testProcessor();
    const bad = idTechFixture();
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0xff;
    const encrypted = idTechPacket({ track2: MC_TRACK2 });
    // Encrypted data and no clear/masked track: nothing the till may read (masked tracks are read,
    // encrypted-reader.test.ts).
    encrypted[8] = 0x00;
    encrypted[9] = 0x01;
    // Recompute the check bytes so only the encryption flag differs.
    const data = encrypted.subarray(3, encrypted.length - 3);
    encrypted[encrypted.length - 3] = data.reduce((a, b) => a ^ b, 0);
    encrypted[encrypted.length - 2] = data.reduce((a, b) => (a + b) & 0xff, 0);
    const results = await swipe(new IdTechCardReader(processor), [bad, encrypted]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['BAD_REPORT', 'ENCRYPTED_DATA']);
  });
});
