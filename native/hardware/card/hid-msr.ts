import { failure, type SwipeFailure, type SwipeTracks, type TrackRead } from './types';

/**
 * Card readers that speak the standard HID Magnetic Stripe Reading page instead of a vendor layout
 * (USB-IF "HID Point of Sale Usage Tables" 1.02, chapter 5, usage page 0x8E): an application
 * collection "MSR Device Read-Only" (0x01) whose input report holds "Track 1 Length", "Track 2
 * Length", "Track 3 Length" (0x11–0x13, DV: one byte each) and "Track 1 Data", "Track 2 Data",
 * "Track 3 Data" (0x21–0x23, buffered bytes). The page fixes the usages, not where they sit: the
 * device's report descriptor says that, so the layout below is read from it
 * (`discovery/report-descriptor.ts`, `msrLayoutFromDescriptor`). The page has no decode-status or
 * card-encode-type usage (MagTek's vendor report has both): a track the reader could not read is
 * sent with length 0, and the data is taken as ASCII with its sentinels, as the vendor layouts send
 * it. Each length must fit its data field and the report must have the size the descriptor
 * declares; anything else is `BAD_REPORT`.
 */
export interface MsrTrackField {
  /** Byte offset of the track's length in the report as node-hid hands it over (report ID counted). */
  readonly lengthAt: number;
  readonly dataAt: number;
  readonly dataBytes: number;
}

export interface MsrLayout {
  /** The report ID the track fields are declared under; 0 when the device uses none. */
  readonly reportId: number;
  /** The report's size as delivered (with its report ID byte when there is one). */
  readonly reportBytes: number;
  /** Tracks 1, 2, 3: where their fields are, or null when the descriptor declares none. */
  readonly tracks: readonly [MsrTrackField | null, MsrTrackField | null, MsrTrackField | null];
}

/**
 * The tracks of one report (views into `report`), `null` for a report under another report ID
 * (another collection of the same device), or why it cannot be read.
 */
export function parseMsrReport(report: Uint8Array, layout: MsrLayout): SwipeTracks | SwipeFailure | null {
  if (layout.reportId !== 0 && report[0] !== layout.reportId) return null;
  if (report.length !== layout.reportBytes)
    return failure('BAD_REPORT', 'the report is not the size its descriptor declares');
  const reads: TrackRead[] = [];
  for (const field of layout.tracks) {
    if (!field) {
      reads.push({ status: 'absent' });
      continue;
    }
    const length = report[field.lengthAt] ?? 0;
    if (length > field.dataBytes) return failure('BAD_REPORT', 'a track length exceeds its data field');
    reads.push(
      length === 0
        ? { status: 'absent' }
        : { status: 'ok', data: report.subarray(field.dataAt, field.dataAt + length) },
    );
  }
  return { track1: reads[0] ?? { status: 'absent' }, track2: reads[1] ?? { status: 'absent' } };
}
