import { failure, type SwipeFailure, type SwipeTracks, type TrackRead } from './types';

/**
 * ID TECH "Enhanced" MSR data output (ID TECH, "Encrypted Data Output Formats" 80000502-001,
 * "ID TECH Enhanced Encrypted MSR Data Output Format"), as SecureMag / MiniMag II / SecureHead send
 * it over USB HID. One packet per swipe, carried in as many input reports as it needs:
 *
 *   offset  size  field
 *   0       1     STX 0x02
 *   1       2     data length, little-endian: bytes from offset 3 up to (not including) the LRC
 *   3       1     card encode type (0x80 ISO/ABA, 0x81 AAMVA, 0x83 other, 0x84 raw, 0x85 JIS II)
 *   4       1     track status: bits 0–2 track 1–3 decoded; bits 3–5 track 1–3 data present;
 *                 bit 6 an optional-bytes length (field 10) follows field 9
 *   5..7    3     track 1, 2, 3 lengths (of the clear or masked data)
 *   8       1     clear/masked data sent status: bits 0–2 track 1–3 clear or masked data in this packet
 *   9       1     encrypted/hash data sent status: bits 0–2 track 1–3 encrypted, 3–5 hashes,
 *                 6 session ID, 7 KSN (0 when encryption is off)
 *   [10     1+n   optional-bytes length n, then n optional status bytes, when track status bit 6]
 *   10      …     track 1, 2, 3 clear/masked data (ASCII with sentinels); with encryption on, then
 *                 the encrypted tracks, session ID, hashes, serial number, KSN
 *   end-3   1     LRC: XOR of the data bytes
 *   end-2   1     checksum: sum of the data bytes mod 256
 *   end-1   1     ETX 0x03
 *
 * With encryption on (field 9 not 0) the clear/masked fields of a bank card hold masked tracks:
 * read for brand, last four and a shown expiry (`masked.ts`); everything after them is skipped
 * and zeroed with the packet. A packet with encrypted data and no masked track is refused
 * (`ENCRYPTED_DATA`): the reader must be set to send masked data.
 */
const STX = 0x02;
const ETX = 0x03;
const HEADER = 3;
const TRAILER = 3;
const MAX_PACKET = 1024;

/** Reassembles packets from HID input reports; zero padding and noise between packets are skipped. */
export class IdTechPacketAssembler {
  private buffer = Buffer.alloc(0);

  push(report: Uint8Array): Uint8Array[] {
    const joined = Buffer.concat([this.buffer, report]);
    this.buffer.fill(0);
    const packets: Uint8Array[] = [];
    let at = 0;
    while (at < joined.length) {
      if (joined[at] !== STX) {
        at++;
        continue;
      }
      if (joined.length - at < HEADER) break;
      const length = (joined[at + 1] ?? 0) | ((joined[at + 2] ?? 0) << 8);
      const total = HEADER + length + TRAILER;
      if (length < 7 || total > MAX_PACKET) {
        at++;
        continue;
      }
      if (joined.length - at < total) break;
      packets.push(Buffer.from(joined.subarray(at, at + total)));
      at += total;
    }
    this.buffer = Buffer.from(joined.subarray(at));
    joined.fill(0);
    return packets;
  }

  /** True when no part of a packet is waiting for the rest. */
  idle(): boolean {
    return this.buffer.length === 0;
  }

  reset(): void {
    this.buffer.fill(0);
    this.buffer = Buffer.alloc(0);
  }
}

/** The tracks of one Enhanced-format packet (views into `packet`; the caller zeroes it afterwards). */
export function parseIdTechPacket(packet: Uint8Array): SwipeTracks | SwipeFailure {
  if (packet.length < HEADER + 7 + TRAILER || packet[0] !== STX || packet[packet.length - 1] !== ETX) {
    return failure('BAD_REPORT', 'not an ID TECH packet');
  }
  const length = (packet[1] ?? 0) | ((packet[2] ?? 0) << 8);
  if (packet.length !== HEADER + length + TRAILER)
    return failure('BAD_REPORT', 'ID TECH packet length mismatch');
  const data = packet.subarray(HEADER, HEADER + length);
  let lrc = 0;
  let sum = 0;
  for (const b of data) {
    lrc ^= b;
    sum = (sum + b) & 0xff;
  }
  if (packet[HEADER + length] !== lrc || packet[HEADER + length + 1] !== sum) {
    return failure('BAD_REPORT', 'ID TECH packet check bytes do not match');
  }
  const status = data[1] ?? 0;
  const lengths = [data[2] ?? 0, data[3] ?? 0, data[4] ?? 0];
  const clear = data[5] ?? 0;
  const encrypted = (data[6] ?? 0) !== 0;
  if (((data[6] ?? 0) & 0x07) !== 0 && (clear & 0x07) === 0) {
    return failure(
      'ENCRYPTED_DATA',
      'the reader sends encrypted tracks only; set it to send masked tracks too',
    );
  }
  // Field 10, when track status bit 6 says it is there: its length, then that many optional bytes.
  let at = status & 0x40 ? 8 + (data[7] ?? 0) : 7;
  const tracks: TrackRead[] = [];
  for (let n = 0; n < 3; n++) {
    const len = lengths[n] ?? 0;
    const decoded = (status >> n) & 1;
    const present = (status >> (n + 3)) & 1;
    const sent = (clear >> n) & 1;
    if (sent) {
      if (at + len > data.length) return failure('BAD_REPORT', 'ID TECH track lengths exceed the packet');
      const bytes = data.subarray(at, at + len);
      at += len;
      tracks.push(
        !decoded ? { status: 'error' } : len === 0 ? { status: 'absent' } : { status: 'ok', data: bytes },
      );
    } else {
      tracks.push(present && !decoded ? { status: 'error' } : { status: 'absent' });
    }
  }
  const track1 = tracks[0] ?? { status: 'absent' };
  const track2 = tracks[1] ?? { status: 'absent' };
  return encrypted ? { track1, track2, masked: true } : { track1, track2 };
}
