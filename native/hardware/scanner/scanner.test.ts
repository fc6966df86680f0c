import { describe, expect, it } from 'vitest';
import { prng } from '../card/test-support';
import { hidPosReports, wedgeReports } from '../sim/scanners';
import { HID_POS_EAN13_HEX, wedgeEan8Reports } from './fixtures';
import { gtinCheckDigitValid, recogniseGtin } from './gtin';
import { HidPosScanner } from './hid-pos';
import type { ScanResult } from './types';
import { WedgeScanner, type Typed } from './wedge';

const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');

function collect(scanner: HidPosScanner | WedgeScanner) {
  const scans: ScanResult[] = [];
  const typed: Typed[] = [];
  scanner.onScan((s) => scans.push(s));
  if (scanner instanceof WedgeScanner) scanner.onTyped((t) => typed.push(t));
  return { scans, typed };
}

describe('GTIN', () => {
  it.each(['96385074', '036000291452', '4006381333931', '10614141000415'])('%s is a valid GTIN', (g) => {
    expect(gtinCheckDigitValid(g)).toBe(true);
    expect(recogniseGtin(g)?.value).toBe(g);
  });
  it('rejects wrong check digits and other lengths', () => {
    expect(recogniseGtin('4006381333932')).toBeUndefined();
    expect(recogniseGtin('12345')).toBeUndefined();
  });
});

describe('HID POS scanner', () => {
  it('reads the fixture report', () => {
    const s = new HidPosScanner();
    const { scans } = collect(s);
    const report = hex(HID_POS_EAN13_HEX);
    expect(report.length).toBe(64);
    s.feed(report);
    expect(scans).toEqual([
      {
        data: '4006381333931',
        symbology: 'ean-13',
        source: 'hid-pos',
        gtin: { kind: 'GTIN-13', value: '4006381333931' },
      },
    ]);
    expect(Buffer.from(hidPosReports('4006381333931', ']E0', 0x64)[0] ?? [])).toEqual(report);
  });

  it('joins a QR payload that spans reports and passes it through', () => {
    const payload =
      '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802SN5910Boutique é6005Dakar6304ABCD';
    const s = new HidPosScanner();
    const { scans } = collect(s);
    for (const r of hidPosReports(payload)) s.feed(r);
    expect(scans).toEqual([{ data: payload, symbology: 'qr', source: 'hid-pos' }]);
  });

  it('ignores other reports and garbage without throwing (seeded fuzz)', () => {
    const rand = prng(0x8c);
    const s = new HidPosScanner();
    collect(s);
    for (let i = 0; i < 5000; i++) {
      const r = new Uint8Array(rand() < 0.5 ? 64 : Math.floor(rand() * 80));
      for (let j = 0; j < r.length; j++) r[j] = Math.floor(rand() * 256);
      if (rand() < 0.5) r[0] = 0x02;
      expect(() => s.feed(r)).not.toThrow();
    }
  });
});

describe('keyboard-wedge scanner', () => {
  it('reads the fixture burst as a scan', () => {
    const w = new WedgeScanner({ layout: 'us' });
    const { scans, typed } = collect(w);
    for (const { report, at } of wedgeEan8Reports(4)) w.feed(report, at);
    expect(scans).toEqual([
      { data: '96385074', source: 'keyboard-wedge', gtin: { kind: 'GTIN-8', value: '96385074' } },
    ]);
    expect(typed).toEqual([]);
  });

  it('treats the same keys typed slowly as a person typing', () => {
    const w = new WedgeScanner({ layout: 'us' });
    const { scans, typed } = collect(w);
    for (const { report, at } of wedgeEan8Reports(120)) w.feed(report, at);
    expect(scans).toEqual([]);
    expect(typed).toEqual([{ text: '96385074' }]);
  });

  it('treats short bursts as keystrokes and honours thresholds', () => {
    const w = new WedgeScanner({ layout: 'us', minLength: 6, maxInterKeyMs: 20 });
    const { scans, typed } = collect(w);
    for (const { report, at } of wedgeReports('123', { layout: 'us', keyGapMs: 2 })) w.feed(report, at);
    for (const { report, at } of wedgeReports('ABCDEFG', { layout: 'us', keyGapMs: 9, start: 1000 }))
      w.feed(report, at);
    for (const { report, at } of wedgeReports('ABCDEFG', { layout: 'us', keyGapMs: 11, start: 2000 }))
      w.feed(report, at);
    expect(typed.map((t) => t.text)).toEqual(['123', 'ABCDEFG']);
    expect(scans.map((s) => s.data)).toEqual(['ABCDEFG']);
  });

  it('strips configured prefix and suffix, ends on Tab when told to, decodes AZERTY', () => {
    const w = new WedgeScanner({
      layout: 'fr-azerty',
      prefix: '#',
      suffix: '$',
      terminators: ['enter', 'tab'],
    });
    const { scans } = collect(w);
    const stream = wedgeReports('https://pay.example/q?id=42&m=ok', {
      layout: 'fr-azerty',
      prefix: '#',
      suffix: '$',
    });
    for (const { report, at } of stream) w.feed(report, at);
    expect(scans).toEqual([{ data: 'https://pay.example/q?id=42&m=ok', source: 'keyboard-wedge' }]);
  });

  it('ends a scan on a Ctrl-key suffix (Ctrl+J, Ctrl+M) when set to, byte for byte', () => {
    const stream = wedgeReports('4006381333931', { layout: 'us', end: 'ctrl-j' });
    // Left Ctrl (modifier bit 0) with usage 0x0D ('j'), then all keys released.
    expect(stream.slice(-2).map((r) => Buffer.from(r.report).toString('hex'))).toEqual([
      '01000d0000000000',
      '0000000000000000',
    ]);
    const w = new WedgeScanner({ layout: 'us', terminators: ['ctrl-j', 'enter'] });
    const { scans, typed } = collect(w);
    for (const { report, at } of stream) w.feed(report, at);
    const cr = wedgeReports('96385074', { layout: 'us', end: 'ctrl-m', start: 500 });
    expect(Buffer.from(cr.at(-2)?.report ?? []).toString('hex')).toBe('0100100000000000');
    for (const { report, at } of cr) w.feed(report, at);
    expect(scans.map((s) => s.data)).toEqual(['4006381333931']);
    // Ctrl+M is not this scanner's end key: it types nothing, and the burst waits for its end.
    for (const { report, at } of wedgeReports('', { layout: 'us', start: 600 })) w.feed(report, at);
    expect(scans.map((s) => s.data)).toEqual(['4006381333931', '96385074']);
    expect(typed).toEqual([]);
  });

  it('a scanner set to Enter does not end a scan on Ctrl+J', () => {
    const w = new WedgeScanner({ layout: 'us' });
    const { scans } = collect(w);
    for (const { report, at } of wedgeReports('4006381333931', { layout: 'us', end: 'ctrl-j' }))
      w.feed(report, at);
    expect(scans).toEqual([]);
  });

  it('reads keyboards whose reports carry a report ID', () => {
    const stream = wedgeReports('4006381333931', { layout: 'us', reportId: 1 });
    expect(stream.every((r) => r.report.length === 9 && r.report[0] === 1)).toBe(true);
    expect(Buffer.from(stream[0]?.report ?? []).toString('hex')).toBe('010000210000000000');
    const w = new WedgeScanner({ layout: 'us' });
    const { scans } = collect(w);
    for (const { report, at } of stream) w.feed(report, at);
    expect(scans.map((s) => s.data)).toEqual(['4006381333931']);
  });

  it('takes its minimum scan length from the settings', () => {
    const short = wedgeReports('123', { layout: 'us' });
    const strict = new WedgeScanner({ layout: 'us', minLength: 14 });
    const loose = new WedgeScanner({ layout: 'us', minLength: 3 });
    const a = collect(strict);
    const b = collect(loose);
    for (const { report, at } of [...short, ...wedgeReports('4006381333931', { layout: 'us', start: 500 })]) {
      strict.feed(report, at);
      loose.feed(report, at);
    }
    expect(a.scans).toEqual([]);
    expect(a.typed.map((t) => t.text)).toEqual(['123', '4006381333931']);
    expect(b.scans.map((s) => s.data)).toEqual(['123', '4006381333931']);
  });

  it('never throws on garbage reports (seeded fuzz)', () => {
    const rand = prng(1999);
    const w = new WedgeScanner({ layout: 'us' });
    const { scans } = collect(w);
    let thrown = 0;
    for (let i = 0; i < 5000; i++) {
      const r = new Uint8Array(rand() < 0.8 ? 8 : Math.floor(rand() * 12));
      for (let j = 0; j < r.length; j++) r[j] = rand() < 0.5 ? 0 : Math.floor(rand() * 256);
      try {
        w.feed(r, i * 3);
      } catch {
        thrown++;
      }
    }
    expect(thrown).toBe(0);
    expect(scans.every((s) => typeof s.data === 'string')).toBe(true);
  });
});
