import { describe, expect, it } from 'vitest';
import {
  idTechKeyboardReports,
  idTechKeyboardText,
  idTechPacket,
  magneSafeKeyboardReports,
  keyboardReaderReports,
  SIM_KSN_HEX,
} from '../sim/card-readers';
import { typeText } from '../sim/keyboard';
import { MC_TRACK1, MC_TRACK2, VISA_TRACK1, VISA_TRACK2, hexReport } from './fixtures';
import { looksLikeIdTechKeyboard, parseIdTechKeyboardLine } from './idtech-keyboard';
import { IdTechCardReader, KeyboardCardReader, DECODER_THREW } from './readers';
import { findsDigitRun, prng, swipe, testProcessor } from './test-support';

/**
 * ID TECH SecureMag / SecureHead in keyboard mode with encryption on (issue #18, item 10): the
 * Enhanced packet typed as hex, the masked tracks as ASCII (card/idtech-keyboard.ts). Only brand,
 * last four and a shown expiry come out.
 */
const MC_ENCRYPTED = () => idTechPacket({ track2: MC_TRACK2 }, { encrypted: true });
const summary = (r: { ok: boolean; reason?: string; brand?: string; last4?: string }) =>
  r.ok ? `${r.brand} ${r.last4}` : r.reason;
const keyboard = (layout: 'us' | 'fr-azerty' = 'us') =>
  new KeyboardCardReader(testProcessor().processor, { layout });

describe('ID TECH Enhanced packet typed by a keyboard-mode reader', () => {
  it('types the packet byte-exact: hex fields, masked track as typed, KSN, LRC, checksum, 03', () => {
    // Track 2 only (30 chars): data = 7 header + 30 masked + 32 ciphertext + 20 hash + 10 KSN = 99.
    const text = idTechKeyboardText(MC_ENCRYPTED());
    const header = '02' + '6300' + '80' + '12' + '00' + '1E' + '00' + '02' + '92';
    const masked = ';5555********4444=2703*******?';
    expect(text.slice(0, 20)).toBe(header);
    expect(text.slice(20, 50)).toBe(masked);
    expect(text.slice(50 + 64, 50 + 64 + 40)).toBe('5A'.repeat(20));
    expect(text.slice(-26, -6)).toBe(SIM_KSN_HEX.toUpperCase());
    expect(text.endsWith('03')).toBe(true);
    expect(text).toHaveLength(6 + 2 * (99 - 30) + 30 + 6);
    // The LRC and checksum typed are those of the binary data.
    const data = MC_ENCRYPTED().subarray(3, 3 + 99);
    const lrc = data.reduce((a, b) => a ^ b, 0);
    const sum = data.reduce((a, b) => (a + b) & 0xff, 0);
    expect(text.slice(-6, -2)).toBe(Buffer.from([lrc, sum]).toString('hex').toUpperCase());
  });

  it.each([
    // '0' is usage 0x27 and '2' 0x1f (HID Usage Tables §10); AZERTY types digits with Shift.
    ['us' as const, ['00 00 27 00 00 00 00 00', '00 00 1f 00 00 00 00 00']],
    ['fr-azerty' as const, ['02 00 27 00 00 00 00 00', '02 00 1f 00 00 00 00 00']],
  ])('sends boot keyboard reports byte-exact (%s) and reads the masked track', async (layout, first) => {
    const reports = idTechKeyboardReports(MC_ENCRYPTED(), { layout });
    expect(Buffer.from(reports[0] ?? [])).toEqual(Buffer.from(hexReport(first[0] ?? '')));
    expect(Buffer.from(reports[2] ?? [])).toEqual(Buffer.from(hexReport(first[1] ?? '')));
    const results = await swipe(keyboard(layout), reports);
    expect(results).toEqual([{ ok: true, brand: 'mastercard', last4: '4444', expiry: '2027-03' }]);
  });

  it('ends the swipe at the declared length, with or without the Enter of a postamble', async () => {
    const visa = idTechPacket({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { encrypted: true });
    const withOptional = idTechPacket({ track2: MC_TRACK2 }, { encrypted: true, optionalBytes: [1, 0] });
    const results = await swipe(keyboard(), [
      ...idTechKeyboardReports(visa, { layout: 'us' }),
      ...idTechKeyboardReports(withOptional, { layout: 'us', enter: true }),
      ...keyboardReaderReports({ track1: MC_TRACK1, track2: MC_TRACK2 }, { layout: 'us' }),
    ]);
    expect(results.map(summary)).toEqual(['visa 1111', 'mastercard 4444', 'mastercard 4444']);
    // The keyboard reader's clear swipe still gives the token; the ID TECH ones never do.
    expect(results.map((r) => r.ok && 'token' in r)).toEqual([false, false, true]);
  });

  it('never lets the card number, the KSN or the ciphertext out', async () => {
    const log: string[] = [];
    const reader = new KeyboardCardReader(testProcessor((l) => log.push(l)).processor, { layout: 'us' });
    const packet = idTechPacket({ track1: MC_TRACK1, track2: MC_TRACK2 }, { encrypted: true });
    const results = await swipe(reader, idTechKeyboardReports(packet, { layout: 'us', enter: true }));
    expect(results).toEqual([{ ok: true, brand: 'mastercard', last4: '4444', expiry: '2027-03' }]);
    const out = JSON.stringify([results, log]);
    expect(findsDigitRun([results, log])).toBe(false);
    expect(out).not.toContain('5555');
    expect(out.toLowerCase()).not.toContain(SIM_KSN_HEX);
    expect(out).not.toContain('NDIAYE');
  });

  it.each([
    ['cut short, then Enter', (t: string) => `${t.slice(0, 60)}\n`, 'BAD_REPORT'],
    ['a header cut inside its length', (t: string) => `${t.slice(0, 5)}\n`, 'BAD_REPORT'],
    [
      'a non-hex character in the ciphertext',
      (t: string) => `${t.slice(0, 70)}G${t.slice(71)}`,
      'BAD_REPORT',
    ],
    ['a masked character changed (LRC)', (t: string) => `${t.slice(0, 20)}:${t.slice(21)}`, 'BAD_REPORT'],
    ['a non-hex header', (t: string) => `${t.slice(0, 8)}ZZ${t.slice(10)}\n`, 'BAD_REPORT'],
    ['no "02" and hex: not a packet', (t: string) => `02X${t.slice(3)}\n`, 'NO_START_SENTINEL'],
    ['a length beyond any packet', (t: string) => `02FFFF${t.slice(6)}\n`, 'BAD_REPORT'],
    ['track lengths beyond the data', (t: string) => `${t.slice(0, 12)}FF${t.slice(14)}\n`, 'BAD_REPORT'],
  ])('names a malformed packet (%s) and never throws', async (_name, mutate, reason) => {
    const text = mutate(idTechKeyboardText(MC_ENCRYPTED()));
    const results = await swipe(keyboard(), typeText(text, { layout: 'us' }));
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))[0]).toBe(reason);
    expect(findsDigitRun(results)).toBe(false);
  });

  it('is told apart from the other formats, and refuses them', async () => {
    const text = (s: string) => Buffer.from(s, 'latin1');
    expect(looksLikeIdTechKeyboard(text(idTechKeyboardText(MC_ENCRYPTED())))).toBe(true);
    expect(looksLikeIdTechKeyboard(text(`${MC_TRACK1}${MC_TRACK2}`))).toBe(false);
    expect(looksLikeIdTechKeyboard(text(';5555********4444=2703?|0006|'))).toBe(false);
    // The binary HID packet is not the typed one, and the typed one is no HID packet.
    expect(parseIdTechKeyboardLine(MC_ENCRYPTED()).tracks).toMatchObject({ ok: false, reason: 'BAD_REPORT' });
    const hid = await swipe(new IdTechCardReader(testProcessor().processor), [
      text(idTechKeyboardText(MC_ENCRYPTED())),
    ]);
    expect(hid).toEqual([]);
    // A MagneSafe keyboard swipe still reads as one beside it.
    const both = await swipe(keyboard(), [
      ...magneSafeKeyboardReports({ track2: VISA_TRACK2 }, { layout: 'us' }),
      ...idTechKeyboardReports(MC_ENCRYPTED(), { layout: 'us' }),
    ]);
    expect(both.map(summary)).toEqual(['visa 1111', 'mastercard 4444']);
  });

  it('never throws on mutated typing and never lets a card number into a failure', async () => {
    const rand = prng(1810);
    const pick = (n: number) => Math.floor(rand() * n);
    const alphabet = '0123456789ABCDEFabcdefG%;?=^*/\n';
    const base = idTechKeyboardText(
      idTechPacket({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { encrypted: true }),
    );
    const reports = Array.from({ length: 300 }, () => {
      const chars = [...base];
      for (let i = 0; i <= pick(3); i++) chars[pick(chars.length)] = alphabet[pick(alphabet.length)] ?? '0';
      return typeText(`${chars.join('')}\n`, { layout: 'us' });
    });
    const results = await swipe(keyboard(), reports.flat());
    expect(results.length).toBeGreaterThanOrEqual(300);
    expect(findsDigitRun(results.filter((r) => !r.ok))).toBe(false);
    // The reader's catch-all for a decoder that threw never fires.
    expect(results.filter((r) => !r.ok && r.message === DECODER_THREW)).toEqual([]);
    expect(results.every((r) => !r.ok || (r.last4 === '1111' && !('token' in r)))).toBe(true);
  });
});
