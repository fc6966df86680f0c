import { TRACK1_BASE, TRACK2_BASE, trackLrc } from '../card/lrc';
import { MAGNESAFE_REPORT_LENGTH, MAGTEK_REPORT_LENGTH } from '../card/magtek';
import { typeText, type TypingOptions } from './keyboard';
import { MSR_TRACK_BYTES } from './descriptors';

/** A track as it would be encoded: sentinels included; the LRC character appended on request. */
export function withLrc(track: string): string {
  const bytes = Buffer.from(track, 'latin1');
  const isTrack1 = track.startsWith('%');
  const lrc = trackLrc(bytes, isTrack1 ? TRACK1_BASE : TRACK2_BASE, isTrack1 ? 0x3f : 0x0f);
  return track + String.fromCharCode(lrc);
}

/** Tracks as ASCII with sentinels; 'error' for a track the reader could not decode. */
export interface SimSwipe {
  readonly track1?: string | 'error';
  readonly track2?: string | 'error';
}

/**
 * Keyboard-emulation reader: types the tracks (an unreadable track as "%E?" / ";E?") then Enter.
 * With `enterBetweenTracks`, Enter follows each track, as ID TECH readers in keyboard mode do when
 * set to send a terminator after every track.
 */
export function keyboardReaderReports(
  swipe: SimSwipe,
  options: TypingOptions & { enterBetweenTracks?: boolean },
): Uint8Array[] {
  const t1 = swipe.track1 === 'error' ? '%E?' : (swipe.track1 ?? '');
  const t2 = swipe.track2 === 'error' ? ';E?' : (swipe.track2 ?? '');
  const between = options.enterBetweenTracks && t1 && t2 ? '\n' : '';
  return typeText(`${t1}${between}${t2}\n`, options);
}

/**
 * A standard HID MSR reader (`msrReportDescriptor`): [report ID,] the three track lengths, then
 * each track's data zero-padded to its field. An unreadable track is sent with length 0: the page
 * has no status usage for it.
 */
export function hidMsrReport(swipe: SimSwipe, options: { reportId?: number } = {}): Uint8Array {
  const id = options.reportId === undefined ? [] : [options.reportId];
  const tracks = [swipe.track1, swipe.track2, undefined].map((t) =>
    Buffer.from(t === undefined || t === 'error' ? '' : t, 'latin1'),
  );
  const fields = tracks.map((t, n) => {
    const field = new Uint8Array(MSR_TRACK_BYTES[n] ?? 0);
    field.set(t.subarray(0, field.length));
    return field;
  });
  return Buffer.concat([Buffer.from([...id, ...tracks.map((t) => t.length)]), ...fields]);
}

/** MagTek HID swipe reader: the 337-byte input report (layout in card/magtek.ts). */
export function magTekReport(swipe: SimSwipe): Uint8Array {
  const r = new Uint8Array(MAGTEK_REPORT_LENGTH);
  const tracks = [swipe.track1, swipe.track2];
  tracks.forEach((t, n) => {
    if (t === 'error') {
      r[n] = 0x01;
      return;
    }
    const bytes = Buffer.from(t ?? '', 'latin1');
    r[3 + n] = bytes.length;
    r.set(bytes.subarray(0, 110), 7 + 110 * n);
  });
  r[2] = 0x01; // no track 3 on payment cards: the reader flags it as not decoded
  r[6] = 0x00;
  return r;
}

export interface MaskOptions {
  /** The character that replaces hidden digits: MagTek's default '0', or e.g. '*'. */
  readonly mask?: string;
  /** PAN digits left in the clear before the mask (MagTek's default 4); the last 4 always are. */
  readonly leading?: number;
  /** Mask the expiry too (readers can be set to). */
  readonly maskExpiry?: boolean;
}

/**
 * A track as an encrypting reader masks it (MagneSafe V5 manual's example: track 2
 * `;5452000000007189=0804000000000000?`): the PAN's middle digits, the service code and the
 * discretionary data become the mask character; the expiry stays unless `maskExpiry`. Track 1's
 * name stays.
 */
export function maskTrack(track: string, options: MaskOptions = {}): string {
  const mask = options.mask ?? '0';
  const leading = options.leading ?? 4;
  const m = /^(%B|;)(\d{12,19})([=^])(?:([^^]*)\^)?(\d{4})(.*)\?$/.exec(track);
  if (!m) return track;
  const [, start = '', pan = '', sep = '', name, yymm = '', rest = ''] = m;
  const hidden = pan.slice(0, leading) + mask.repeat(pan.length - leading - 4) + pan.slice(-4);
  const expiry = options.maskExpiry ? mask.repeat(4) : yymm;
  return `${start}${hidden}${sep}${name === undefined ? '' : `${name}^`}${expiry}${mask.repeat(rest.length)}?`;
}

/** A stand-in for the reader's ciphertext: the track's length rounded up to TDES's 8-byte blocks, none of its bytes. */
function standInCiphertext(track: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(track.length / 8) * 8);
  for (let i = 0; i < out.length; i++) out[i] = (0x80 | ((i * 37 + track.length) & 0x7f)) & 0xff;
  return out;
}

/** The MagneSafe V5 manual's example KSN (the ANS X9.24 test key set, counter 8). */
export const SIM_KSN_HEX = 'ffff9876543210e00008';
/** The same example's encrypted session ID. */
export const SIM_SESSION_ID_HEX = '21685f158b5c6be0';

/**
 * MagneSafe / eDynamo input report (layout in card/magtek.ts): 887 bytes. In the clear (the
 * default) the track fields hold the tracks and the encryption status is 0; with `encrypted` the
 * status is 0x0006 (key injected, encryption enabled), the track fields hold stand-in ciphertext
 * (8-byte blocks, none of the track's bytes), the KSN and encrypted session ID are set and the
 * absolute (clear) lengths follow them. With `keysExhausted` the status is 0x0007 and no track is
 * read, as the manual describes. The masked fields always hold masked tracks.
 */
export function magneSafeReport(
  swipe: SimSwipe,
  options: { encrypted?: boolean; keysExhausted?: boolean; serial?: string } & MaskOptions = {},
): Uint8Array {
  const r = new Uint8Array(MAGNESAFE_REPORT_LENGTH);
  const encrypted = options.encrypted || options.keysExhausted;
  [swipe.track1, swipe.track2].forEach((t, n) => {
    if (t === 'error') {
      r[n] = 0x01;
      return;
    }
    if (options.keysExhausted || t === undefined) return;
    const bytes = Buffer.from(t, 'latin1');
    const field = encrypted ? standInCiphertext(bytes) : bytes;
    r[3 + n] = field.length;
    r.set(field.subarray(0, 112), 7 + 112 * n);
    if (encrypted) r[852 + n] = bytes.length;
    const mask = Buffer.from(maskTrack(t, options), 'latin1');
    r[505 + n] = mask.length;
    r.set(mask.subarray(0, 112), 508 + 112 * n);
  });
  r[2] = 0x01;
  r.set(Buffer.from((options.serial ?? 'B123456').slice(0, 15), 'latin1'), 477);
  r[494] = options.keysExhausted ? 0x07 : encrypted ? 0x06 : 0x00;
  if (encrypted) {
    r.set(Buffer.from(SIM_KSN_HEX, 'hex'), 495);
    r.set(Buffer.from(SIM_SESSION_ID_HEX, 'hex'), 844);
  }
  return r;
}

/**
 * A MagneSafe reader in keyboard mode with encryption on (format in card/keyboard-encrypted.ts):
 * types the masked tracks (an unreadable track as `%E?` / `;E?`), then '|'-separated upper-case hex
 * fields — encryption status 0006 (0007 with `keysExhausted`, and no tracks), stand-in ciphertext
 * per track, MagnePrint status and data, serial number, session ID, KSN, CRCs, format code — and
 * Enter.
 */
export function magneSafeKeyboardReports(
  swipe: SimSwipe,
  options: TypingOptions & MaskOptions & { keysExhausted?: boolean; serial?: string },
): Uint8Array[] {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
  const tracks = options.keysExhausted ? [] : [swipe.track1, swipe.track2];
  const masked = tracks
    .map((t, n) => (t === 'error' ? (n ? ';E?' : '%E?') : t === undefined ? '' : maskTrack(t, options)))
    .join('');
  const cipher = tracks.map((t) =>
    t === undefined || t === 'error' ? '' : hex(standInCiphertext(Buffer.from(t, 'latin1'))),
  );
  const fields = [
    options.keysExhausted ? '0007' : '0006',
    cipher[0] ?? '',
    cipher[1] ?? '',
    '',
    'A1050000',
    hex(new Uint8Array(56).fill(0x3c)),
    options.serial ?? 'B123456',
    SIM_SESSION_ID_HEX.toUpperCase(),
    SIM_KSN_HEX.toUpperCase(),
    '1C2D',
    '8E7F6A5B',
    '0000',
  ];
  return typeText(`${masked}|${fields.join('|')}\n`, options);
}

/**
 * ID TECH Enhanced-format packet (layout in card/idtech.ts). Unencrypted by default. With
 * `encrypted`, as a SecureMag at security level 3 sends a bank card: the clear/masked fields hold
 * masked tracks (ID TECH's default mask '*', 4 leading digits), then stand-in encrypted tracks
 * (8-byte blocks), a 20-byte stand-in hash per track and the KSN; field 9 says so (0x9B: tracks 1
 * and 2 encrypted and hashed, KSN present). `optionalBytes` adds field 10 (track status bit 6).
 */
export function idTechPacket(
  swipe: SimSwipe,
  options: { encrypted?: boolean; optionalBytes?: readonly number[] } & MaskOptions = {},
): Uint8Array {
  const tracks = [swipe.track1, swipe.track2];
  let status = options.optionalBytes ? 0x40 : 0;
  let clear = 0;
  let sentEncrypted = 0;
  const lengths = [0, 0, 0];
  const bodies: Uint8Array[] = [];
  const secure: Uint8Array[] = [];
  tracks.forEach((t, n) => {
    if (t === undefined) return;
    status |= 1 << (n + 3);
    if (t === 'error') return;
    const bytes = Buffer.from(t, 'latin1');
    status |= 1 << n;
    clear |= 1 << n;
    lengths[n] = bytes.length;
    if (!options.encrypted) {
      bodies.push(bytes);
      return;
    }
    bodies.push(Buffer.from(maskTrack(t, { mask: '*', ...options }), 'latin1'));
    secure.push(standInCiphertext(bytes));
    sentEncrypted |= (1 << n) | (1 << (n + 3));
  });
  if (options.encrypted) {
    secure.push(...secure.map(() => new Uint8Array(20).fill(0x5a)), Buffer.from(SIM_KSN_HEX, 'hex'));
    sentEncrypted |= 0x80;
  }
  const optional = options.optionalBytes ? [options.optionalBytes.length, ...options.optionalBytes] : [];
  const data = Buffer.concat([
    Buffer.from([0x80, status, ...lengths, clear, sentEncrypted, ...optional]),
    ...bodies,
    ...secure,
  ]);
  let lrc = 0;
  let sum = 0;
  for (const b of data) {
    lrc ^= b;
    sum = (sum + b) & 0xff;
  }
  return Buffer.concat([
    Buffer.from([0x02, data.length & 0xff, data.length >> 8]),
    data,
    Buffer.from([lrc, sum, 0x03]),
  ]);
}

/**
 * ID TECH's own HID report (layout in card/idtech-hid.ts), `size` bytes (512 + 9 by default, as a
 * SecureHead; 500 as a MiniMag II): decode status, the tracks' lengths, encode type 0x80 (ISO/ABA),
 * the output length, then the tracks each followed by CR — or, with `encrypted`, the Enhanced packet.
 */
export function idTechHidReport(
  swipe: SimSwipe,
  options: { size?: number; encrypted?: boolean } = {},
): Uint8Array {
  const r = new Uint8Array(options.size ?? 521);
  const tracks = [swipe.track1, swipe.track2];
  const output = options.encrypted
    ? Buffer.from(idTechPacket(swipe, { encrypted: true }))
    : Buffer.from(tracks.map((t) => (t === undefined || t === 'error' ? '' : `${t}\r`)).join(''), 'latin1');
  tracks.forEach((t, n) => {
    if (t === 'error') r[n] = 0x01;
    else r[3 + n] = t === undefined ? 0 : t.length;
  });
  r[6] = 0x80;
  r[7] = output.length & 0xff;
  r[8] = output.length >> 8;
  r.set(output.subarray(0, r.length - 9), 9);
  return r;
}

/**
 * An Enhanced packet as an ID TECH secure reader in keyboard mode types it (format in
 * card/idtech-keyboard.ts): every byte as two upper-case hex digits but for the clear/masked
 * tracks, typed as they are; with `enter`, the Enter a postamble adds.
 */
export function idTechKeyboardText(packet: Uint8Array): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
  const status = packet[4] ?? 0;
  const clear = packet[8] ?? 0;
  const header = status & 0x40 ? 11 + (packet[10] ?? 0) : 10;
  const ascii = [5, 6, 7].reduce((n, at, t) => n + ((clear >> t) & 1 ? (packet[at] ?? 0) : 0), 0);
  return (
    hex(packet.subarray(0, header)) +
    Buffer.from(packet.subarray(header, header + ascii)).toString('latin1') +
    hex(packet.subarray(header + ascii))
  );
}

export function idTechKeyboardReports(
  packet: Uint8Array,
  options: TypingOptions & { enter?: boolean },
): Uint8Array[] {
  return typeText(idTechKeyboardText(packet) + (options.enter ? '\n' : ''), options);
}

/** Splits a packet into fixed-size HID input reports, zero padded, as the reader sends it. */
export function chunkReports(packet: Uint8Array, size = 64): Uint8Array[] {
  const reports: Uint8Array[] = [];
  for (let at = 0; at < packet.length; at += size) {
    const r = new Uint8Array(size);
    r.set(packet.subarray(at, at + size));
    reports.push(r);
  }
  return reports;
}
