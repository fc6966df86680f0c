import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCAN_RULES,
  ScanDetector,
  type ScanDecision,
  type ScanKey,
  type ScanRules,
} from '../src-renderer/features/hardware/scan-detector';

/** Keys as the window sees them: `text` then the end key, `gap` ms apart, from `start`. */
function keys(
  text: string,
  gap: number,
  end: Partial<ScanKey> & { key: string } = { key: 'Enter' },
  start = 1000,
): ScanKey[] {
  const typed = [...text].map((key, i) => ({
    key,
    ctrl: false,
    alt: false,
    meta: false,
    at: start + i * gap,
  }));
  return [...typed, { ctrl: false, alt: false, meta: false, ...end, at: start + text.length * gap }];
}

function run(rules: Partial<ScanRules>, stream: ScanKey[]): ScanDecision[] {
  const detector = new ScanDetector({ ...DEFAULT_SCAN_RULES, ...rules });
  return stream.map((k) => detector.key(k));
}

const scans = (decisions: ScanDecision[]) => decisions.flatMap((d) => (d.kind === 'scan' ? [d.code] : []));

describe('ScanDetector (renderer side of the keyboard-wedge scanner)', () => {
  it('takes a fast burst ended by Enter as a scan, and marks where it began', () => {
    const decisions = run({}, keys('4006381333931', 5));
    expect(scans(decisions)).toEqual(['4006381333931']);
    expect(decisions[0]).toEqual({ kind: 'pass', start: true });
    expect(decisions.slice(1, -1).every((d) => d.kind === 'pass' && !d.start)).toBe(true);
  });

  it('leaves a person typing alone: every key passes, Enter included', () => {
    const decisions = run({}, keys('15000', 120));
    expect(decisions.every((d) => d.kind === 'pass')).toBe(true);
  });

  it('a pause inside a burst makes it typing (the timing rule)', () => {
    const stream = keys('4006381333931', 5);
    const late = stream.map((k, i) => (i >= 6 ? { ...k, at: k.at + 51 } : k));
    // The pause starts a new burst at key 6: only the last 7 characters can be a scan.
    expect(scans(run({}, late))).toEqual(['1333931']);
    expect(scans(run({ minLength: 8 }, late))).toEqual([]);
  });

  it('a code typed slowly then a scan: the scan starts after the pause', () => {
    const typed = keys('12', 150, { key: 'Shift' });
    const scan = keys('6001234567890', 4, { key: 'Enter' }, 2000);
    const decisions = run({}, [...typed, ...scan]);
    expect(scans(decisions)).toEqual(['6001234567890']);
    expect(decisions[typed.length]).toEqual({ kind: 'pass', start: true });
  });

  it('the minimum length is configurable', () => {
    expect(scans(run({}, keys('123', 3)))).toEqual([]);
    expect(scans(run({ minLength: 3 }, keys('123', 3)))).toEqual(['123']);
    expect(scans(run({ minLength: 14 }, keys('4006381333931', 3)))).toEqual([]);
  });

  it('a Ctrl-key suffix ends a scan; plain Enter then is a person pressing Enter', () => {
    const ctrlJ = { key: 'j', ctrl: true };
    expect(scans(run({ terminator: 'ctrl-j' }, keys('4006381333931', 4, ctrlJ)))).toEqual(['4006381333931']);
    expect(scans(run({ terminator: 'ctrl-m' }, keys('4006381333931', 4, { key: 'M', ctrl: true })))).toEqual([
      '4006381333931',
    ]);
    expect(scans(run({ terminator: 'ctrl-j' }, keys('4006381333931', 4)))).toEqual(['4006381333931']);
    // Ctrl+J is not an end key for a scanner set to Enter.
    expect(scans(run({}, keys('4006381333931', 4, ctrlJ)))).toEqual([]);
  });

  it('with a prefix, the prefix decides and timing does not; prefix and suffix are stripped', () => {
    const rules = { prefix: ']C1', suffix: '$' };
    expect(scans(run(rules, keys(']C14006381333931$', 4)))).toEqual(['4006381333931']);
    expect(scans(run(rules, keys(']C14006381333931$', 200)))).toEqual(['4006381333931']);
    // Unprefixed fast bursts and a missing suffix are not this scanner's scans.
    expect(scans(run(rules, keys('4006381333931$', 4)))).toEqual([]);
    expect(scans(run(rules, keys(']C14006381333931', 4)))).toEqual([]);
  });

  it('Tab ends a scan only for a scanner set to Tab; Enter always does', () => {
    expect(scans(run({ terminator: 'tab' }, keys('4006381333931', 4, { key: 'Tab' })))).toEqual([
      '4006381333931',
    ]);
    expect(scans(run({}, keys('4006381333931', 4, { key: 'Tab' })))).toEqual([]);
  });

  it('Shift held for capitals stays in the burst; arrow keys and shortcuts break it', () => {
    const shifted = keys('ABC-123', 4).flatMap((k) =>
      k.key === 'Enter' ? [k] : [{ ...k, key: 'Shift', at: k.at - 1 }, k],
    );
    expect(scans(run({}, shifted))).toEqual(['ABC-123']);
    const arrow = keys('4006381333931', 4).map((k, i) => (i === 5 ? { ...k, key: 'ArrowLeft' } : k));
    expect(scans(run({}, arrow))).toEqual(['1333931']);
    const shortcut = keys('4006381333931', 4).map((k, i) => (i === 5 ? { ...k, ctrl: true } : k));
    expect(scans(run({}, shortcut))).toEqual(['1333931']);
  });

  it('a PIN or reason typed fast where the cashier types on purpose (guarded) is typing, not a scan', () => {
    const guarded = (stream: ScanKey[]) => stream.map((k) => ({ ...k, guarded: true }));
    // The same keys, 5 ms apart: a scan in the cash field, the cashier's PIN in a PIN field.
    expect(scans(run({}, keys('48213579', 5)))).toEqual(['48213579']);
    const pin = run({}, guarded(keys('48213579', 5)));
    expect(scans(pin)).toEqual([]);
    expect(pin.at(-1)).toEqual({ kind: 'pass', start: false });
    expect(scans(run({}, guarded(keys('Sac percé', 5))))).toEqual([]);
    // Focus moved into the PIN field during the burst (the end key alone guarded): still typing.
    const endGuarded = keys('48213579', 5).map((k, i, all) =>
      i === all.length - 1 ? { ...k, guarded: true } : k,
    );
    expect(scans(run({}, endGuarded))).toEqual([]);
    // The next fast burst outside the guarded field is a scan again.
    const after = keys('4006381333931', 5, { key: 'Enter' }, 5000);
    expect(scans(run({}, [...guarded(keys('4821', 5)), ...after]))).toEqual(['4006381333931']);
  });

  it('a scanner with a configured prefix is still known inside a PIN field or a dialog', () => {
    const rules = { prefix: ']E0' };
    const framed = keys(']E04006381333931', 5).map((k) => ({ ...k, guarded: true }));
    expect(scans(run(rules, framed))).toEqual(['4006381333931']);
  });
});
