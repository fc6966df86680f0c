import { TRACK1_BASE, TRACK2_BASE, trackLrc } from '../card/lrc';
import { MAGNESAFE_REPORT_LENGTH, MAGTEK_REPORT_LENGTH } from '../card/magtek';
import { typeText, type TypingOptions } from './keyboard';

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

/** A PAN masked as MagneSafe readers mask it: the first 6 and last 4 digits kept, '0' between. */
function masked(track: string): string {
  return track.replace(/\d{13,19}/, (pan) => pan.slice(0, 6) + '0'.repeat(pan.length - 10) + pan.slice(-4));
}

/**
 * MagneSafe / eDynamo input report (layout in card/magtek.ts): 887 bytes. With `encrypted`, the
 * track fields hold stand-in ciphertext (bytes that are not the tracks) and the encryption bit is
 * set; otherwise they hold the tracks in the clear. The masked fields always hold masked tracks.
 */
export function magneSafeReport(
  swipe: SimSwipe,
  options: { encrypted?: boolean; serial?: string } = {},
): Uint8Array {
  const r = new Uint8Array(MAGNESAFE_REPORT_LENGTH);
  [swipe.track1, swipe.track2].forEach((t, n) => {
    if (t === 'error') {
      r[n] = 0x01;
      return;
    }
    const bytes = Buffer.from(t ?? '', 'latin1');
    const field = options.encrypted ? bytes.map((b, i) => (b ^ 0xa5 ^ i) & 0xff) : bytes;
    r[3 + n] = bytes.length;
    r.set(field.subarray(0, 112), 7 + 112 * n);
    const mask = Buffer.from(masked(t ?? ''), 'latin1');
    r[505 + n] = mask.length;
    r.set(mask.subarray(0, 112), 508 + 112 * n);
  });
  r[2] = 0x01;
  r.set(Buffer.from((options.serial ?? 'B123456').slice(0, 15), 'latin1'), 477);
  r[494] = options.encrypted ? 0x01 : 0x00;
  return r;
}

/** ID TECH Enhanced-format packet, unencrypted (layout in card/idtech.ts). */
export function idTechPacket(swipe: SimSwipe): Uint8Array {
  const tracks = [swipe.track1, swipe.track2];
  let status = 0;
  let clear = 0;
  const lengths = [0, 0, 0];
  const bodies: Buffer[] = [];
  tracks.forEach((t, n) => {
    if (t === undefined) return;
    status |= 1 << (n + 3);
    if (t === 'error') return;
    const bytes = Buffer.from(t, 'latin1');
    status |= 1 << n;
    clear |= 1 << n;
    lengths[n] = bytes.length;
    bodies.push(bytes);
  });
  const data = Buffer.concat([Buffer.from([0x80, status, ...lengths, clear, 0x00]), ...bodies]);
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
