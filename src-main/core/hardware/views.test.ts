import { describe, expect, it } from 'vitest';
import { DEMO_CARDS } from '../../../native/hardware/sim/demo-cards';
import { eventFromScan } from './views';

/**
 * The last check before scan text leaves the core: a scan that reaches it holding card data (from a
 * driver without the filter) becomes a notice with nothing of the text; product codes pass.
 */
describe('scan events', () => {
  const at = new Date('2026-12-04T12:00:00Z');

  it('never carries card data, whatever the driver let through', () => {
    for (const data of [
      `${DEMO_CARDS.visa.track1}${DEMO_CARDS.visa.track2}`,
      '4111 1111 1111 1111',
      '378282246310005',
    ]) {
      expect(eventFromScan({ data, source: 'hid-pos' }, at)).toEqual({
        type: 'scan-discarded',
        at: at.toISOString(),
        code: 'CARD_DATA_DISCARDED',
      });
    }
  });

  it('passes product codes and payment QR texts', () => {
    const gtin = { kind: 'GTIN-13', value: '4006381333931' } as const;
    expect(eventFromScan({ data: '4006381333931', source: 'keyboard-wedge', gtin }, at)).toMatchObject({
      type: 'scan',
      text: '4006381333931',
      gtin: '4006381333931',
    });
    expect(eventFromScan({ data: 'OUTPOST1:abc', source: 'hid-pos', symbology: 'qr' }, at)).toMatchObject({
      type: 'scan',
      text: 'OUTPOST1:abc',
    });
  });
});
