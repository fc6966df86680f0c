import { HID_POS_REPORT_LENGTH } from '../scanner/hid-pos';
import { ctrlLetter, typeText, withReportId, type TypingOptions } from './keyboard';

/** HID POS scanner: the Scanned Data Reports for one scan (layout in scanner/hid-pos.ts). */
export function hidPosReports(data: string, aim = ']Q1', codeId = 0x73): Uint8Array[] {
  const bytes = Buffer.from(data, 'utf8');
  const reports: Uint8Array[] = [];
  for (let at = 0; at === 0 || at < bytes.length; at += 56) {
    const chunk = bytes.subarray(at, at + 56);
    const r = new Uint8Array(HID_POS_REPORT_LENGTH);
    r[0] = 0x02;
    r[1] = chunk.length;
    r.set(Buffer.from(aim.padEnd(3, '\0').slice(0, 3), 'latin1'), 2);
    r.set(chunk, 5);
    r[61] = codeId;
    r[63] = at + 56 < bytes.length ? 0x01 : 0x00;
    reports.push(r);
  }
  return reports;
}

export interface TimedReport {
  readonly report: Uint8Array;
  readonly at: number;
}

/**
 * Keyboard-wedge scanner: types `data` + suffix + the end key (Enter unless `end` says Tab or a
 * Ctrl-key suffix) with `keyGapMs` between reports, starting at `start`; with `reportId`, each
 * report starts with that ID. With a large gap the same stream stands in for a person typing.
 */
export function wedgeReports(
  data: string,
  options: TypingOptions & {
    start?: number;
    keyGapMs?: number;
    prefix?: string;
    suffix?: string;
    end?: 'enter' | 'tab' | 'ctrl-j' | 'ctrl-m';
    reportId?: number;
  },
): TimedReport[] {
  const gap = options.keyGapMs ?? 4;
  const end = options.end ?? 'enter';
  const typed = `${options.prefix ?? ''}${data}${options.suffix ?? ''}`;
  const keys =
    end === 'ctrl-j' || end === 'ctrl-m'
      ? [...typeText(typed, options), ...ctrlLetter(end === 'ctrl-j' ? 'j' : 'm')]
      : typeText(`${typed}${end === 'tab' ? '\t' : '\n'}`, options);
  const reports = options.reportId === undefined ? keys : withReportId(keys, options.reportId);
  return reports.map((report, i) => ({ report, at: (options.start ?? 0) + i * gap }));
}
