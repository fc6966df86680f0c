import { describe, expect, it } from 'vitest';
import { checkSale } from './check-sale';
import { cashSale } from './fixtures.test-helpers';

/** Issue #18: a card tender records the external terminal's approval code; a swipe alone is not money. */
const withCard = (card: Record<string, unknown>) =>
  checkSale(cashSale({ tenders: [{ type: 'card', amount_minor: 990, card } as never] }));

describe('card tender details', () => {
  it('accepts the approval code alone (no reader) or with the reader’s brand and last four', () => {
    expect(withCard({ approval_code: '004217' })).toMatchObject({ ok: true });
    expect(withCard({ approval_code: 'A1B2C3', brand: 'VISA', last4: '4242' })).toMatchObject({ ok: true });
  });

  it('still accepts a till older than issue #18: brand, last four and the reader’s token', () => {
    expect(withCard({ brand: 'VISA', last4: '4242', token: 'tok_abc' })).toMatchObject({ ok: true });
  });

  it('refuses a card tender with neither approval code nor token, and a code of the wrong form', () => {
    const paths = (r: ReturnType<typeof checkSale>) => (r.ok ? [] : r.issues.map((i) => i.path.join('.')));
    expect(paths(withCard({ brand: 'VISA', last4: '4242' }))).toEqual(['tenders.0.card.approval_code']);
    for (const code of ['12345', '1234567', 'a1b2c3', '4111 1', ''])
      expect(withCard({ approval_code: code }).ok, code).toBe(false);
  });
});
