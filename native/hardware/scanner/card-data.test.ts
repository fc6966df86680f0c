import { describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../sim/demo-cards';
import { hidPosReports, wedgeReports } from '../sim/scanners';
import { HidPosScanner } from './hid-pos';
import type { DiscardedScan, ScanResult } from './types';
import { WedgeScanner, type Typed } from './wedge';

/**
 * A magstripe reader set up as a keyboard scanner (or a scanner reading a card) delivers its tracks
 * to a scanner driver. The driver drops them where it decodes them: no scan, no typed text, only a
 * notice that carries nothing of what was read. Product codes still scan.
 */
const SWIPES = [
  `${DEMO_CARDS.visa.track1}${DEMO_CARDS.visa.track2}`,
  `${DEMO_CARDS.mastercard.track1}${DEMO_CARDS.mastercard.track2}`,
  DEMO_CARDS.amex.track2,
  DEMO_CARDS['bad-swipe'].track2,
  // Sentinels lost, and a bare number grouped as it is embossed.
  'B4111111111111111^DOE/JOHN^2812101',
  '5500 0055 5555 5559',
  '4222222222222',
  '30569309025904',
];

function watch(scanner: HidPosScanner | WedgeScanner) {
  const out: (ScanResult | Typed | DiscardedScan)[] = [];
  scanner.onScan((s) => out.push(s));
  scanner.onDiscard((d) => out.push(d));
  if (scanner instanceof WedgeScanner) scanner.onTyped((t) => out.push(t));
  return out;
}

describe('card data read by a scanner', () => {
  it.each(SWIPES)('a keyboard-wedge scanner drops %s, typed fast or slowly', (swipe) => {
    for (const keyGapMs of [4, 200]) {
      const wedge = new WedgeScanner({ layout: 'us' });
      const out = watch(wedge);
      for (const { report, at } of wedgeReports(swipe, { layout: 'us', keyGapMs })) wedge.feed(report, at);
      expect(out).toEqual([{ reason: 'CARD_DATA', source: 'keyboard-wedge' }]);
    }
  });

  // A reader sending a US keyboard's keys to a till whose wedge is set for AZERTY: the characters
  // decode as `5B'&&&…` (`m'&&&88888888&&&&=…` for a masked track 2); the keys are still a track.
  it.each([...SWIPES, ';4111********1111=28121010000000000?', '%B5500********5559^DOE/JOHN^2812101?'])(
    'a keyboard-wedge scanner set for AZERTY drops %s typed as a US keyboard',
    (swipe) => {
      const wedge = new WedgeScanner({ layout: 'fr-azerty' });
      const out = watch(wedge);
      for (const { report, at } of wedgeReports(swipe, { layout: 'us' })) wedge.feed(report, at);
      expect(out).toEqual([{ reason: 'CARD_DATA', source: 'keyboard-wedge' }]);
    },
  );

  it.each(SWIPES)('a HID POS scanner drops %s', (swipe) => {
    const scanner = new HidPosScanner();
    const out = watch(scanner);
    for (const report of hidPosReports(swipe, ']X0')) scanner.feed(report);
    expect(out).toEqual([{ reason: 'CARD_DATA', source: 'hid-pos' }]);
  });

  it('still scans EAN-13, UPC-A and EAN-8 codes, and leaves a Luhn-valid GTIN to the catalog', () => {
    for (const code of ['4006381333931', '036000291452', '96385074', '5901234123457']) {
      const wedge = new WedgeScanner({ layout: 'fr-azerty' });
      const out = watch(wedge);
      for (const { report, at } of wedgeReports(code, { layout: 'fr-azerty' })) wedge.feed(report, at);
      expect(out).toEqual([
        { data: code, source: 'keyboard-wedge', gtin: expect.objectContaining({ value: code }) },
      ]);

      const scanner = new HidPosScanner();
      const seen = watch(scanner);
      for (const report of hidPosReports(code, ']E0')) scanner.feed(report);
      expect(seen).toMatchObject([{ data: code, source: 'hid-pos' }]);
    }
  });
});
