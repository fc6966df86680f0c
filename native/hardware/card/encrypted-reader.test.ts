import { describe, expect, it } from 'vitest';
import {
  chunkReports,
  idTechPacket,
  magneSafeKeyboardReports,
  magneSafeReport,
  maskTrack,
  SIM_KSN_HEX,
  SIM_SESSION_ID_HEX,
} from '../sim/card-readers';
import { brandOfPrefix } from './brand';
import {
  MAGNESAFE_V5_EXAMPLE,
  MC_TRACK1,
  MC_TRACK2,
  VISA_TRACK1,
  VISA_TRACK2,
  magneSafeV5Example,
} from './fixtures';
import { IdTechCardReader, KeyboardCardReader, MagTekCardReader } from './readers';
import { SwipeProcessor } from './swipe';
import { swipe, testProcessor } from './test-support';
import { CardTokenizer } from './tokenizer';
import { InMemoryKeyStoreForTests } from '../../keystore/memory';

/**
 * Readers in encrypted mode, as shops get them (issue #18, item 10): MagTek MagneSafe / eDynamo
 * and ID TECH Enhanced with encryption on. The ciphertext, KSN and session ID are never read; the
 * masked tracks beside them give brand, last four and a shown expiry, nothing else.
 */
const field = (r: Uint8Array, from: number, length: number) =>
  Buffer.from(r.subarray(from, from + length)).toString('latin1');
const hex = (r: Uint8Array, from: number, length: number) =>
  Buffer.from(r.subarray(from, from + length)).toString('hex');

function processorAt(now: string): SwipeProcessor {
  const tokenizer = new CardTokenizer(new InMemoryKeyStoreForTests());
  return new SwipeProcessor({ tokenizer, now: () => new Date(now) });
}

const magneSafe = (reports: Uint8Array[], log?: (l: string) => void) =>
  swipe(new MagTekCardReader(testProcessor(log).processor), reports);

describe('MagTek MagneSafe / eDynamo with encryption on', () => {
  it('reads the manual’s own example report: Mastercard …7189, expiry April 2008', async () => {
    const [then] = await swipe(new MagTekCardReader(processorAt('2008-01-10T00:00:00Z')), [
      magneSafeV5Example(),
    ]);
    expect(then).toEqual({ ok: true, brand: 'mastercard', last4: '7189', expiry: '2008-04' });
    // The same card today: its shown expiry has passed.
    const [now] = await magneSafe([magneSafeV5Example()]);
    expect(now).toMatchObject({ ok: false, reason: 'CARD_EXPIRED' });
  });

  it('simulates the manual’s masked fields byte for byte', () => {
    const sim = magneSafeReport(
      {
        track1: '%B5452300551227189^HOGAN/PAUL      ^08043210000000725000000?',
        track2: ';5452300551227189=080432100000007250?',
      },
      { encrypted: true },
    );
    const manual = magneSafeV5Example();
    expect(Buffer.from(sim.subarray(493, 507))).toEqual(Buffer.from(manual.subarray(493, 507)));
    expect(field(sim, 508, 112)).toBe(field(manual, 508, 112));
    expect(field(sim, 620, 112)).toBe(field(manual, 620, 112));
    expect(hex(sim, 844, 8)).toBe(MAGNESAFE_V5_EXAMPLE.sessionIdHex);
    expect([...sim.subarray(852, 854)]).toEqual([...manual.subarray(852, 854)]);
  });

  it('lays out an encrypted report where the manual puts each field, with no track byte in the clear', () => {
    const r = magneSafeReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { encrypted: true, mask: '*' });
    expect(r.length).toBe(887);
    expect([r[493], r[494]]).toEqual([0x00, 0x06]);
    expect(hex(r, 495, 10)).toBe(SIM_KSN_HEX);
    expect(hex(r, 844, 8)).toBe(SIM_SESSION_ID_HEX);
    // Encrypted lengths are whole TDES blocks; the absolute lengths are the tracks'.
    expect([r[3], r[4]]).toEqual([48, 40]);
    expect([r[852], r[853]]).toEqual([VISA_TRACK1.length, VISA_TRACK2.length]);
    expect(field(r, 508, r[505] ?? 0)).toBe('%B4111********1111^DOE/JOHN^2812************?');
    expect(field(r, 620, r[506] ?? 0)).toBe(';4111********1111=2812*************?');
    expect(Buffer.from(r).includes('4111111111111111')).toBe(false);
  });

  it('gives brand, last four and expiry only: no token, name, service code or digits of the rest', async () => {
    const lines: string[] = [];
    const results = await magneSafe(
      [
        magneSafeReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { encrypted: true }),
        magneSafeReport({ track1: MC_TRACK1, track2: MC_TRACK2 }, { encrypted: true, mask: '*', leading: 6 }),
        magneSafeReport({ track1: VISA_TRACK1 }, { encrypted: true, maskExpiry: true }),
      ],
      (l) => lines.push(l),
    );
    expect(results).toEqual([
      { ok: true, brand: 'visa', last4: '1111', expiry: '2028-12' },
      { ok: true, brand: 'mastercard', last4: '4444', expiry: '2027-03' },
      { ok: true, brand: 'visa', last4: '1111' },
    ]);
    expect(lines).toEqual(['swipe ok: visa …1111', 'swipe ok: mastercard …4444', 'swipe ok: visa …1111']);
    expect(JSON.stringify(results)).not.toMatch(/\d{5,}|DOE|JOHN|4111|5555/);
  });

  it('names a track the reader could not decode, in words', async () => {
    const [r] = await magneSafe([magneSafeReport({ track1: 'error', track2: 'error' }, { encrypted: true })]);
    expect(r).toEqual({
      ok: false,
      reason: 'UNREADABLE_TRACK',
      message: 'the reader could not decode track 2',
    });
    // One good masked track is enough.
    const [one] = await magneSafe([
      magneSafeReport({ track1: 'error', track2: VISA_TRACK2 }, { encrypted: true }),
    ]);
    expect(one).toMatchObject({ ok: true, last4: '1111' });
  });

  it('says when the reader’s keys are exhausted', async () => {
    const [r] = await magneSafe([magneSafeReport({ track2: VISA_TRACK2 }, { keysExhausted: true })]);
    expect(r).toMatchObject({ ok: false, reason: 'READER_KEYS_EXHAUSTED' });
    expect((r as { message: string }).message).toMatch(/re-keyed/);
  });

  it('refuses truncated and garbled reports with a specific reason, never a crash', async () => {
    const good = () => magneSafeReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 }, { encrypted: true });
    // One good track is enough, so the garbled ones below are track 2 alone.
    const track2 = () => magneSafeReport({ track2: VISA_TRACK2 }, { encrypted: true });
    const longMasked = good();
    longMasked[506] = 113;
    const cutMasked = track2();
    cutMasked[506] = 20; // the masked track ends before its end sentinel
    const mixedMask = magneSafeReport({ track2: VISA_TRACK2 }, { encrypted: true, mask: '*' });
    mixedMask[626] = 0x23; // '#' among '*' masks: ";4111*#**…"
    const hiddenLast4 = track2();
    hiddenLast4[634] = 0x2a; // '*' in the last four
    const notTrack = track2();
    notTrack[620] = 0x41;
    const mismatch = good();
    mismatch[508 + 17] = 0x32; // track 1's last digit differs from track 2's
    const results = await magneSafe([
      good().subarray(0, 886),
      good().subarray(0, 500),
      longMasked,
      cutMasked,
      mixedMask,
      hiddenLast4,
      notTrack,
      mismatch,
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'BAD_REPORT',
      'BAD_REPORT',
      'BAD_REPORT',
      'NO_END_SENTINEL',
      'BAD_CHARACTER',
      'BAD_FORMAT',
      'NO_START_SENTINEL',
      'TRACK_MISMATCH',
    ]);
  });
});

describe('MagTek MagneSafe in keyboard mode with encryption on', () => {
  it('reads the masked tracks typed before the first field separator, US and AZERTY', async () => {
    for (const layout of ['us', 'fr-azerty'] as const) {
      const reports = magneSafeKeyboardReports(
        { track1: VISA_TRACK1, track2: VISA_TRACK2 },
        { layout, mask: '*' },
      );
      const lines: string[] = [];
      const reader = new KeyboardCardReader(testProcessor((l) => lines.push(l)).processor, { layout });
      expect(await swipe(reader, reports), layout).toEqual([
        { ok: true, brand: 'visa', last4: '1111', expiry: '2028-12' },
      ]);
      expect(lines).toEqual(['swipe ok: visa …1111']);
    }
  });

  it('names an unreadable track and exhausted keys; a clear swipe still reads in full', async () => {
    const reader = new KeyboardCardReader(testProcessor().processor, { layout: 'us' });
    const results = await swipe(reader, [
      ...magneSafeKeyboardReports({ track1: 'error', track2: 'error' }, { layout: 'us' }),
      ...magneSafeKeyboardReports({ track2: VISA_TRACK2 }, { layout: 'us', keysExhausted: true }),
      ...magneSafeKeyboardReports({ track1: 'error', track2: MC_TRACK2 }, { layout: 'us' }),
    ]);
    expect(results.map((r) => (r.ok ? `${r.brand} ${r.last4}` : r.reason))).toEqual([
      'UNREADABLE_TRACK',
      'READER_KEYS_EXHAUSTED',
      'mastercard 4444',
    ]);
  });
});

describe('ID TECH Enhanced format with encryption on', () => {
  const secureMag = (reports: Uint8Array[]) =>
    swipe(new IdTechCardReader(testProcessor().processor), reports);

  it('reads the masked tracks of a packet split over 64-byte reports; the rest is skipped', async () => {
    const packet = idTechPacket({ track1: MC_TRACK1, track2: MC_TRACK2 }, { encrypted: true });
    // Field 9: tracks 1 and 2 encrypted and hashed, KSN present; the KSN ends the data.
    expect(packet[9]).toBe(0x9b);
    expect(hex(packet, packet.length - 13, 10)).toBe(SIM_KSN_HEX);
    expect(field(packet, 10, MC_TRACK1.length)).toBe('%B5555********4444^NDIAYE/AWA.MME^2703******?');
    expect(Buffer.from(packet).includes('5555555555554444')).toBe(false);
    const results = await secureMag(chunkReports(packet));
    expect(results).toEqual([{ ok: true, brand: 'mastercard', last4: '4444', expiry: '2027-03' }]);
  });

  it('skips the optional bytes (field 10), clear or encrypted', async () => {
    const results = await secureMag([
      idTechPacket({ track2: MC_TRACK2 }, { optionalBytes: [0x01] }),
      idTechPacket(
        { track1: VISA_TRACK1, track2: VISA_TRACK2 },
        { encrypted: true, optionalBytes: [0x01, 0x00] },
      ),
    ]);
    expect(results.map((r) => (r.ok ? `${r.brand} ${r.last4}` : r.reason))).toEqual([
      'mastercard 4444',
      'visa 1111',
    ]);
  });

  it('names an undecoded track, and refuses encrypted data without masked tracks', async () => {
    const encryptedOnly = idTechPacket({ track2: MC_TRACK2 }, { encrypted: true });
    encryptedOnly[8] = 0x00;
    const data = encryptedOnly.subarray(3, encryptedOnly.length - 3);
    encryptedOnly[encryptedOnly.length - 3] = data.reduce((a, b) => a ^ b, 0);
    encryptedOnly[encryptedOnly.length - 2] = data.reduce((a, b) => (a + b) & 0xff, 0);
    const results = await secureMag([
      idTechPacket({ track1: 'error', track2: 'error' }, { encrypted: true }),
      encryptedOnly,
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['UNREADABLE_TRACK', 'ENCRYPTED_DATA']);
  });
});

describe('masking as readers do it', () => {
  it('masks the way the simulators are documented to', () => {
    expect(maskTrack(VISA_TRACK2)).toBe(';4111000000001111=28120000000000000?');
    expect(maskTrack(VISA_TRACK1, { mask: '*', leading: 6, maskExpiry: true })).toBe(
      '%B411111******1111^DOE/JOHN^****************?',
    );
  });

  it('takes the brand from the leading digits a masked track shows, and no more', () => {
    const b = (s: string) => brandOfPrefix(Buffer.from(s, 'latin1'));
    expect([b('4111'), b('5452'), b('3782'), b('6011'), b('3530'), b('6200')]).toEqual([
      'visa',
      'mastercard',
      'amex',
      'discover',
      'jcb',
      'unionpay',
    ]);
    // 6500xx may be Discover or Verve; 5060xx is Verve only at 506099; with six digits, the first range.
    expect([b('6500'), b('5060'), b('650010'), b('651234'), b('')]).toEqual([
      'unknown',
      'unknown',
      'verve',
      'discover',
      'unknown',
    ]);
  });
});
