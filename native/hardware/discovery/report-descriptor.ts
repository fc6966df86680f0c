import type { CardReaderFormat } from '../card/readers';
import { MAGNESAFE_REPORT_LENGTH, MAGTEK_REPORT_LENGTH } from '../card/magtek';
import type { MsrLayout, MsrTrackField } from '../card/hid-msr';
import { IDTECH_HID_MAX_REPORT, IDTECH_HID_MIN_REPORT } from '../card/idtech-hid';

/**
 * What a HID report descriptor says about a device's input (Device Class Definition for HID 1.11,
 * §6.2.2 "Report Descriptor": short items, prefix byte = tag << 4 | type << 2 | size code). Only
 * what chooses a decoder is kept: the application collection's usage page and usage, whether
 * reports carry an ID, and the size of each input report.
 */
export interface DescriptorSummary {
  /** Usage page and usage of the first application collection. */
  readonly application: { readonly usagePage: number; readonly usage: number } | null;
  readonly usesReportIds: boolean;
  /** Input report sizes in bytes (report ID byte not counted), by report ID (0 when there are none). */
  readonly inputBytes: ReadonlyMap<number, number>;
  /**
   * Each data field of the input reports with the usage it carries (page << 16 | id): a Variable
   * item's Report Count fields take its usages in order, the last one repeating (HID 1.11 §6.2.2.8);
   * Constant and Array items' fields are listed with usage 0.
   */
  readonly inputFields: readonly InputField[];
}

export interface InputField {
  readonly reportId: number;
  /** Bit offset in the report, report ID byte not counted. */
  readonly bitOffset: number;
  readonly bits: number;
  readonly usage: number;
}

const MAIN = 0;
const GLOBAL = 1;
const LOCAL = 2;
// Main items
const INPUT = 0x8;
const COLLECTION = 0xa;
// Global items
const USAGE_PAGE = 0x0;
const REPORT_SIZE = 0x7;
const REPORT_ID = 0x8;
const REPORT_COUNT = 0x9;
const PUSH = 0xa;
const POP = 0xb;
// Local items
const USAGE = 0x0;
const USAGE_MINIMUM = 0x1;
const USAGE_MAXIMUM = 0x2;
// Input item flags
const CONSTANT = 0x01;
const VARIABLE = 0x02;
/** More fields than any reader's reports hold: a descriptor declaring more is refused. */
const MAX_FIELDS = 8192;
const APPLICATION = 0x01;
const LONG_ITEM = 0xfe;

interface Globals {
  usagePage: number;
  reportSize: number;
  reportCount: number;
  reportId: number;
}

/** Parses a report descriptor; `null` when it is malformed (an item runs past the end). */
export function summariseDescriptor(descriptor: Uint8Array): DescriptorSummary | null {
  let globals: Globals = { usagePage: 0, reportSize: 0, reportCount: 0, reportId: 0 };
  const stack: Globals[] = [];
  const bits = new Map<number, number>();
  let usage: number | null = null;
  let usages: number[] = [];
  let usageMin: number | null = null;
  const fields: InputField[] = [];
  let application: DescriptorSummary['application'] = null;
  let usesReportIds = false;
  let at = 0;
  while (at < descriptor.length) {
    const prefix = descriptor[at] ?? 0;
    if (prefix === LONG_ITEM) {
      // Long item: data size in the next byte; none are defined, skip it.
      at += 3 + (descriptor[at + 1] ?? 0);
      continue;
    }
    const size = [0, 1, 2, 4][prefix & 0x3] ?? 0;
    if (at + 1 + size > descriptor.length) return null;
    let value = 0;
    for (let i = size - 1; i >= 0; i--) value = value * 256 + (descriptor[at + 1 + i] ?? 0);
    const type = (prefix >> 2) & 0x3;
    const tag = prefix >> 4;
    at += 1 + size;
    if (type === GLOBAL) {
      if (tag === USAGE_PAGE) globals.usagePage = value;
      else if (tag === REPORT_SIZE) globals.reportSize = value;
      else if (tag === REPORT_COUNT) globals.reportCount = value;
      else if (tag === REPORT_ID) {
        globals.reportId = value;
        usesReportIds = true;
      } else if (tag === PUSH) stack.push({ ...globals });
      else if (tag === POP) globals = stack.pop() ?? globals;
    } else if (type === LOCAL) {
      // A 4-byte usage carries its own page in the high half.
      const full = size === 4 ? value : globals.usagePage * 0x10000 + value;
      if (tag === USAGE) {
        usage = size === 4 ? value & 0xffff : value;
        usages.push(full);
      } else if (tag === USAGE_MINIMUM) usageMin = full;
      else if (tag === USAGE_MAXIMUM && usageMin !== null) {
        for (let u = usageMin; u <= full && usages.length < MAX_FIELDS; u++) usages.push(u);
        usageMin = null;
      }
    } else if (type === MAIN) {
      if (tag === COLLECTION && value === APPLICATION && !application && usage !== null) {
        application = { usagePage: globals.usagePage, usage };
      }
      if (tag === INPUT) {
        const start = bits.get(globals.reportId) ?? 0;
        const named = (value & (CONSTANT | VARIABLE)) === VARIABLE;
        if (fields.length + globals.reportCount > MAX_FIELDS) return null;
        for (let i = 0; i < globals.reportCount; i++) {
          fields.push({
            reportId: globals.reportId,
            bitOffset: start + i * globals.reportSize,
            bits: globals.reportSize,
            usage: named ? (usages[Math.min(i, usages.length - 1)] ?? 0) : 0,
          });
        }
        bits.set(
          globals.reportId,
          (bits.get(globals.reportId) ?? 0) + globals.reportSize * globals.reportCount,
        );
      }
      usage = null;
      usages = [];
      usageMin = null;
    }
  }
  const inputBytes = new Map([...bits].map(([id, n]) => [id, Math.ceil(n / 8)] as const));
  return { application, usesReportIds, inputBytes, inputFields: fields };
}

const GENERIC_DESKTOP = 0x01;
const VENDOR_PAGE_MIN = 0xff00;
const KEYBOARD = 0x06;

/**
 * The card reader decoder a descriptor calls for, when it says, in this order: a keyboard
 * application is keyboard emulation; an input report of 337 bytes is MagTek's SureSwipe layout and
 * one of 887 or more its MagneSafe layout (both read by the MagTek decoder; MagTek's sizes go first
 * so that encrypted track fields are never read as clear tracks whatever usages they carry); a
 * report declaring the standard MSR page's track usages is read by them (`hid-msr`); a vendor-page
 * application whose input report is 500 to 521 bytes is ID TECH's own HID report (`idtech`,
 * `card/idtech-hid.ts`). Anything else leaves the choice to the vendor ID and the user
 * (`undefined`): among them an ID TECH reader sending its Enhanced packet in reports of another
 * size, which no descriptor tells from any other vendor-page device.
 */
export function cardFormatFromDescriptor(summary: DescriptorSummary | null): CardReaderFormat | undefined {
  if (!summary) return undefined;
  const app = summary.application;
  if (app?.usagePage === GENERIC_DESKTOP && app.usage === KEYBOARD) return 'keyboard';
  for (const bytes of summary.inputBytes.values()) {
    if (bytes === MAGTEK_REPORT_LENGTH || bytes >= MAGNESAFE_REPORT_LENGTH) return 'magtek';
  }
  if (msrLayoutFromDescriptor(summary)) return 'hid-msr';
  if ((app?.usagePage ?? 0) >= VENDOR_PAGE_MIN) {
    for (const bytes of summary.inputBytes.values()) {
      if (bytes >= IDTECH_HID_MIN_REPORT && bytes <= IDTECH_HID_MAX_REPORT) return 'idtech';
    }
  }
  return undefined;
}

const PAGE_MSR = 0x8e;
const TRACK_LENGTH = [0x11, 0x12, 0x13].map((id) => PAGE_MSR * 0x10000 + id);
const TRACK_DATA = [0x21, 0x22, 0x23].map((id) => PAGE_MSR * 0x10000 + id);

/**
 * Where a standard HID MSR reader (POS Usage Tables, page 0x8E; `card/hid-msr.ts`) puts each
 * track's length and data, from its descriptor: the first report ID holding a Track n Length (one
 * byte-aligned 8-bit field) and its Track n Data (consecutive 8-bit fields) for some track.
 * `undefined` when no report declares such a pair.
 */
export function msrLayoutFromDescriptor(summary: DescriptorSummary | null): MsrLayout | undefined {
  if (!summary) return undefined;
  for (const [reportId, bytes] of summary.inputBytes) {
    const fields = summary.inputFields.filter((f) => f.reportId === reportId);
    const idByte = summary.usesReportIds ? 1 : 0;
    const byteField = (usage: number) =>
      fields.filter((f) => f.usage === usage && f.bits === 8 && f.bitOffset % 8 === 0);
    const tracks = TRACK_LENGTH.map((lengthUsage, n): MsrTrackField | null => {
      const [length] = byteField(lengthUsage);
      const data = byteField(TRACK_DATA[n] ?? 0);
      const first = data[0];
      if (!length || !first) return null;
      const contiguous = data.every((f, i) => f.bitOffset === first.bitOffset + 8 * i);
      if (!contiguous) return null;
      return {
        lengthAt: idByte + length.bitOffset / 8,
        dataAt: idByte + first.bitOffset / 8,
        dataBytes: data.length,
      };
    });
    const [t1 = null, t2 = null, t3 = null] = tracks;
    if (t1 || t2 || t3) return { reportId, reportBytes: idByte + bytes, tracks: [t1, t2, t3] };
  }
  return undefined;
}
