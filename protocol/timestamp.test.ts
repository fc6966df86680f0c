import { describe, expect, it } from 'vitest';
import { Sale } from './bundle';
import { cashSale } from './bundle/fixtures.test-helpers';
import { IsoDateTime, UtcTimestamp } from './timestamp';

describe('timestamps stay within years PostgreSQL and JS Date both hold exactly', () => {
  it('refuses year 0000 and 1999, keeps 2000 and 9999', () => {
    for (const schema of [UtcTimestamp, IsoDateTime]) {
      expect(schema.safeParse('0000-01-01T00:00:00.000Z').success).toBe(false);
      expect(schema.safeParse('1999-12-31T23:59:59.999Z').success).toBe(false);
      expect(schema.safeParse('2000-01-01T00:00:00.000Z').success).toBe(true);
      expect(schema.safeParse('9999-12-31T23:59:59.999Z').success).toBe(true);
    }
  });

  it('a sale dated 0000-01-01 is not a Sale (the push refused it only at a PostgreSQL cast: 500)', () => {
    expect(Sale.safeParse(cashSale({ created_at: '0000-01-01T00:00:00.000Z' })).success).toBe(false);
    expect(Sale.safeParse(cashSale()).success).toBe(true);
  });
});
