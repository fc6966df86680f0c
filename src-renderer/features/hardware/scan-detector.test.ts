import { describe, expect, it } from 'vitest';
import { usCharacter, usKeyFor } from './physical-keys';
import { DEFAULT_SCAN_RULES, ScanDetector, type ScanDecision, type ScanKey } from './scan-detector';
import { CardDataFilter } from '../pos/card-data-filter';

/**
 * What French AZERTY (and German QWERTZ) make of those keys: the number row types symbols unshifted
 * and digits shifted; `/` is AZERTY's `!` key, `;` its `m`, `?` (Shift+/) its `§`, `*` (Shift+8) its
 * `8`. QWERTZ's `=` key is a dead key (´): the window sees `Dead`.
 */
const LAYOUTS: Record<string, Record<string, string>> = {
  azerty: {
    Digit1: '&1',
    Digit2: 'é2',
    Digit3: '"3',
    Digit4: "'4",
    Digit5: '(5',
    Digit6: '-6',
    Digit7: 'è7',
    Digit8: '_8',
    Digit9: 'ç9',
    Digit0: 'à0',
    Slash: '!§',
    Semicolon: 'mM',
    Equal: '=+',
    Period: ':/',
    KeyM: ',?',
    KeyA: 'qQ',
    KeyQ: 'aA',
    KeyZ: 'wW',
    KeyW: 'zZ',
  },
  qwertz: {
    Digit6: '6&',
    Digit7: '7/',
    Digit8: '8(',
    Digit0: '0=',
    Slash: '-_',
    Semicolon: 'öÖ',
    KeyY: 'zZ',
    KeyZ: 'yY',
  },
};

function typedOn(layout: string, usText: string, gapMs = 4): ScanKey[] {
  return [...usText].map((ch, i) => {
    const { code, shift } = usKeyFor(ch)!;
    const row = LAYOUTS[layout]![code];
    const key =
      code === 'Equal' && layout === 'qwertz' ? 'Dead' : row ? row[shift ? 1 : 0]! : usCharacter(code, shift);
    return { key, code, shift, ctrl: false, alt: false, meta: false, at: i * gapMs };
  });
}

function run(keys: ScanKey[], guarded = false): ScanDecision {
  const detector = new ScanDetector(DEFAULT_SCAN_RULES);
  for (const key of keys) detector.key({ ...key, guarded });
  const at = (keys.at(-1)?.at ?? 0) + 4;
  return detector.key({ key: 'Enter', code: 'Enter', ctrl: false, alt: false, meta: false, at, guarded });
}

const TRACK1 = '%B4111111111111111^DOE/JOHN^2512101?';
const TRACK2 = ';4111111111111111=2512101000?';
const MASKED = ';4111********1111=28121010000000000?';

describe('a magstripe reader typing into the till on any keyboard layout (issue #16, L-b)', () => {
  it('types the exact AZERTY characters a reader sending US keys produces', () => {
    const text = typedOn('azerty', TRACK1)
      .map((k) => k.key)
      .join('');
    expect(text).toBe(`5B'&&&&&&&&&&&&&&&6DOE!JOHN6é(&é&à&§`);
    expect(
      typedOn('azerty', MASKED)
        .map((k) => k.key)
        .join(''),
    ).toBe("m'&&&88888888&&&&=é_&é&à&àààààààààà§");
  });

  it('judges the keys, not the characters: a track typed on AZERTY or QWERTZ is card data, never a scan', () => {
    for (const layout of ['azerty', 'qwertz'])
      for (const track of [TRACK1, TRACK2, MASKED, `${TRACK1}${TRACK2}`]) {
        expect(run(typedOn(layout, track)), `${layout} ${track}`).toEqual({ kind: 'card-data' });
        // In a PIN field or a dialog too: a track is nobody's PIN.
        expect(run(typedOn(layout, track), true), `${layout} ${track}`).toEqual({ kind: 'card-data' });
      }
  });

  it('still takes a product barcode from an AZERTY-set scanner as a scan', () => {
    // A scanner set for AZERTY holds Shift for digits: the characters are the digits.
    const keys = typedOn('azerty', '4006381333931').map((k) => ({
      ...k,
      key: LAYOUTS.azerty![k.code!]![1]!,
    }));
    expect(run(keys)).toEqual({ kind: 'scan', code: '4006381333931' });
  });

  it('drops a track typed into the search box as soon as its keys show it, on any layout', () => {
    for (const layout of ['azerty', 'qwertz']) {
      const filter = new CardDataFilter();
      let text = '';
      let kept: string | null = '';
      for (const key of typedOn(layout, MASKED)) {
        filter.key({
          code: key.code!,
          key: key.key,
          shiftKey: key.shift!,
          ctrlKey: false,
          altKey: false,
          metaKey: false,
        });
        if (key.key === 'Dead') continue;
        text += key.key;
        kept = filter.accept(text);
        if (kept === null) break;
      }
      expect(kept, layout).toBeNull();
      // Far before the card number was whole.
      expect(text.length, layout).toBeLessThan(12);
      expect(filter.end()).toBe(true);
    }
  });
});
