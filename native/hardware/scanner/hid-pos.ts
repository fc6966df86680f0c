import { holdsCardData } from '../../../protocol/card-data';
import { Listeners } from '../listeners';
import { recogniseGtin } from './gtin';
import { symbologyFromAim } from './symbology';
import type { DiscardedScan, ScanResult } from './types';

/**
 * HID POS scanners (usage page 0x8C "Bar Code Scanner", USB-IF "HID Point of Sale Usage Tables"
 * 1.02, chapter 4: the Scanned Data Report, usage 0x12, carries Symbology Identifier 1–3 (usages
 * 0xFB–0xFD) and Decoded Data (0xFE)). The byte layout is the scanner's report descriptor; this is
 * the one Honeywell documents for its "USB HID POS" interface and Zebra/Datalogic follow:
 *
 *   offset  size  field
 *   0       1     report ID 0x02 (scanned data)
 *   1       1     number of decoded-data bytes in this report (0–56)
 *   2       3     AIM symbology identifier, e.g. "]E0" (ASCII)
 *   5       56    decoded data, zero padded
 *   61      1     manufacturer code ID (Honeywell)
 *   62      1     reserved
 *   63      1     bit 0 set: more data follows in the next report
 */
export const HID_POS_REPORT_LENGTH = 64;
const DATA_AT = 5;
const DATA_MAX = 56;
const MAX_SCAN = 8192;

export class HidPosScanner {
  private readonly listeners = new Listeners<ScanResult>();
  private readonly discards = new Listeners<DiscardedScan>();
  private parts: Buffer[] = [];
  private size = 0;
  private aim = '';

  onScan(listener: (scan: ScanResult) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Scans that held card data: only the notice, never the text. */
  onDiscard(listener: (discarded: DiscardedScan) => void): () => void {
    return this.discards.add(listener);
  }

  /** One input report, report ID first. Other reports and malformed ones are ignored. Never throws. */
  feed(report: Uint8Array): void {
    if (report.length !== HID_POS_REPORT_LENGTH || report[0] !== 0x02) return;
    const length = report[1] ?? 0;
    if (length > DATA_MAX) return this.reset();
    if (this.parts.length === 0) this.aim = Buffer.from(report.subarray(2, 5)).toString('latin1');
    this.parts.push(Buffer.from(report.subarray(DATA_AT, DATA_AT + length)));
    this.size += length;
    if (this.size > MAX_SCAN) return this.reset();
    if ((report[63] ?? 0) & 0x01) return;
    // Payment QR payloads are UTF-8 (EMVCo merchant-presented QR allows it); barcodes are ASCII.
    const data = Buffer.concat(this.parts).toString('utf8');
    const symbology = symbologyFromAim(this.aim);
    this.reset();
    if (!data) return;
    // A card's tracks read by the scanner (a magstripe reader set up as one) go no further.
    if (holdsCardData(data)) return this.discards.emit({ reason: 'CARD_DATA', source: 'hid-pos' });
    const gtin = recogniseGtin(data);
    this.listeners.emit({
      data,
      source: 'hid-pos',
      ...(symbology ? { symbology } : {}),
      ...(gtin ? { gtin } : {}),
    });
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
    this.aim = '';
  }
}
