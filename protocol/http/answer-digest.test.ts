import { describe, expect, it } from 'vitest';
import { pullAnswerSha256, pushAnswerSha256, type PaymentsPullResponse } from './payments';

const page: Pick<PaymentsPullResponse, 'catalog' | 'bundles' | 'cursor' | 'more' | 'last_seq'> = {
  catalog: [
    {
      sku: 'rice',
      barcode: null,
      name: 'Rice',
      price_minor: 4_500,
      currency: 'XOF',
      tax_rate_bp: 0,
      active: true,
    },
  ],
  bundles: [
    {
      bundle_id: '7c0e6f1e-8a57-4a3b-9d55-2f1f3f0a4c11',
      status: 'accepted',
      reasons: [{ code: 'VELOCITY', weight: 0.1, detail: 'fast' }],
      updated_at: '2025-03-01T08:00:00.000Z',
    },
  ],
  cursor: '42',
  more: false,
  last_seq: 7,
};

describe('the digests a till compares with the signed statement', () => {
  it('pull: every applied field counts, an unlisted one does not, key order does not', () => {
    const digest = pullAnswerSha256(page);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const item = page.catalog[0]!;
    const outcome = page.bundles[0]!;
    const edits: (typeof page)[] = [
      { ...page, catalog: [{ ...item, price_minor: 5 }] },
      { ...page, catalog: [{ ...item, barcode: '12345670' }] },
      { ...page, catalog: [{ ...item, active: false }] },
      { ...page, catalog: [] },
      { ...page, bundles: [{ ...outcome, status: 'rejected' }] },
      { ...page, bundles: [{ ...outcome, reasons: [] }] },
      { ...page, cursor: '43' },
      { ...page, more: true },
      { ...page, last_seq: 8 },
    ];
    for (const edited of edits) expect(pullAnswerSha256(edited)).not.toBe(digest);
    const extra = { ...page, catalog: [{ ...item, note: 'not applied' } as typeof item] };
    expect(pullAnswerSha256(extra)).toBe(digest);
    const reordered = {
      last_seq: 7,
      more: false,
      cursor: '42',
      bundles: page.bundles,
      catalog: page.catalog,
    };
    expect(pullAnswerSha256(reordered)).toBe(digest);
  });

  it('push: bundle id, status and reasons count', () => {
    const answer = { bundle_id: page.bundles[0]!.bundle_id, status: 'accepted' as const, reasons: [] };
    const digest = pushAnswerSha256(answer);
    expect(pushAnswerSha256({ ...answer, status: 'reconciled' })).not.toBe(digest);
    expect(pushAnswerSha256({ ...answer, bundle_id: '00000000-0000-4000-8000-000000000000' })).not.toBe(
      digest,
    );
    expect(
      pushAnswerSha256({ ...answer, reasons: [{ code: 'VELOCITY', weight: 0.1, detail: 'fast' }] }),
    ).not.toBe(digest);
  });
});
