import { randomUUID } from 'node:crypto';
import { saleHash } from './chain';
import { GENESIS_HASH } from './constants';
import type { Sale } from './sale';

/** A valid cash sale: 2 × 500 − 100 + 90 = 990 XOF, paid 1000, change 10. */
export function cashSale(overrides: Partial<Sale> = {}): Sale {
  return {
    sale_id: randomUUID(),
    device_id: 'POS-001',
    seq: 1,
    prev_hash: GENESIS_HASH,
    kind: 'sale',
    created_at: '2025-01-15T12:00:00.000Z',
    online: false,
    currency: 'XOF',
    lines: [
      {
        sku: '5901234123457',
        name: 'Riz 1kg',
        qty: 2,
        unit_price_minor: 500,
        discount_minor: 100,
        tax_minor: 90,
        total_minor: 990,
      },
    ],
    tenders: [{ type: 'cash', amount_minor: 1000, change_minor: 10 }],
    total_minor: 990,
    ...overrides,
  };
}

/** `count` chained sales continuing from seq `from` after `prevHash`. */
export function chainOf(count: number, from = 1, prevHash = GENESIS_HASH, deviceId = 'POS-001'): Sale[] {
  const sales: Sale[] = [];
  let prev = prevHash;
  for (let i = 0; i < count; i++) {
    const sale = cashSale({ seq: from + i, prev_hash: prev, device_id: deviceId });
    sales.push(sale);
    prev = saleHash(sale);
  }
  return sales;
}
