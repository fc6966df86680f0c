import { describe, expect, it } from 'vitest';
import type { SaleSummary, XReport, ZReport } from '../../../protocol/api';
import { renderReceipt, svgTextLines } from '../../../native/hardware';
import { saleReceipt } from './sale-receipt';
import { xReportReceipt, zReportReceipt } from './zreport-receipt';

const SALE: SaleSummary = {
  saleId: '0e2b7c3a-5d5f-4a57-9a3c-2a8f6d0c1b11',
  seq: 7,
  kind: 'sale',
  originalSaleId: null,
  cashierId: null,
  createdAt: '2026-03-12T10:30:00.000Z',
  online: true,
  currency: 'EUR',
  lines: [
    {
      sku: 'bread',
      name: 'Pain de campagne',
      qty: 2,
      unitPriceMinor: 125050,
      discountMinor: 0,
      taxRateBp: 550,
      taxMinor: 13756,
      totalMinor: 263856,
    },
  ],
  tenders: [
    {
      type: 'cash',
      amountMinor: 263856,
      changeMinor: 0,
      brand: null,
      last4: null,
      approvalCode: null,
      payerRef: null,
    },
  ],
  taxMinor: 13756,
  totalMinor: 263856,
  changeMinor: 0,
  status: 'pending',
  statusReason: null,
  override: null,
  shiftId: null,
  hash: 'h',
};

const SHOP = {
  terminalName: 'Caisse 1',
  shopName: 'Boulangerie Awa',
  shopAddress: 'Boulangerie du marché couvert, 12 rue des Lilas, 75011 Paris',
  shopTaxId: 'FR40303265045',
  timeZone: 'UTC',
};

const Z_REPORT: ZReport = {
  shiftId: '6f1c2b9e-1b7a-4c55-8d3e-0c9a4f2e7d10',
  openedAt: '2026-03-12T08:00:00.000Z',
  closedAt: '2026-03-12T18:00:00.000Z',
  currency: 'XOF',
  floatMinor: 10_000,
  sales: { count: 9, totalMinor: 45_000 },
  refunds: { count: 1, totalMinor: 1_500 },
  voids: { count: 0, totalMinor: 0 },
  netTaxMinor: 6_000,
  netMinor: 43_500,
  tenders: [{ type: 'cash', count: 10, inMinor: 45_000, outMinor: 1_500 }],
  overrides: 0,
  cashiers: [
    {
      cashierId: 'c1',
      name: 'Awa',
      sales: { count: 9, totalMinor: 45_000 },
      refunds: { count: 1, totalMinor: 1_500 },
      voids: { count: 0, totalMinor: 0 },
      cashNetMinor: 43_500,
    },
  ],
  paidInMinor: 0,
  paidOutMinor: 0,
  expectedCashMinor: 53_500,
  countedCashMinor: 53_000,
  differenceMinor: -500,
};

const paper = (input: Parameters<typeof renderReceipt>[0]) => svgTextLines(renderReceipt(input).svg);

describe('receipts on paper (#18)', () => {
  it("heads the receipt with the shop's name, address lines and tax id from Settings", () => {
    const lines = paper(saleReceipt(SALE, { ...SHOP, locale: 'fr' }));
    expect(lines.slice(0, 7)).toEqual([
      'Boulangerie Awa',
      // 61 characters on 48 columns: wrapped at a space, never cut inside a word.
      'Boulangerie du marché couvert, 12 rue des Lilas,',
      '75011 Paris',
      'N° TVA FR40303265045',
      'Caisse 1',
      'Vente n° 7',
      '12/03/2026 10:30',
    ]);
    // Without a shop set, the till's name heads it as before.
    expect(paper(saleReceipt(SALE, { terminalName: 'Caisse 1', locale: 'en' }))[0]).toBe('Caisse 1');
  });

  it('prints amounts as the screen shows them in the language, with plain spaces', () => {
    const fr = paper(saleReceipt(SALE, { ...SHOP, locale: 'fr' }));
    expect(fr.some((l) => l.startsWith('2 x Pain de campagne') && l.endsWith('2 501,00 €'))).toBe(true);
    const en = paper(saleReceipt(SALE, { ...SHOP, locale: 'en' }));
    expect(en.some((l) => l.startsWith('2 x Pain de campagne') && l.endsWith('€2,501.00'))).toBe(true);
    expect(fr.some((l) => l.startsWith('TOTAL') && l.endsWith('2 638,56 €'))).toBe(true);
  });

  it('marks a reprint as a copy, and a refund as a refund', () => {
    expect(paper(saleReceipt(SALE, { ...SHOP, locale: 'fr' }, 2))).toContain('DUPLICATA');
    expect(paper(saleReceipt(SALE, { ...SHOP, locale: 'fr' }))).not.toContain('DUPLICATA');
    const refund = paper(
      saleReceipt(
        { ...SALE, kind: 'refund', seq: 8, originalSaleId: SALE.saleId },
        { ...SHOP, locale: 'en' },
      ),
    );
    expect(refund).toContain('Refund no. 8');
    expect(refund.some((l) => l.startsWith('TOTAL') && l.endsWith('-€2,638.56'))).toBe(true);
  });

  it('names the cashier who recorded it, and the manager who approved a refund or override', () => {
    const names = new Map([
      ['bob', 'Bob Diallo'],
      ['awa', 'Awa Ndiaye'],
    ]);
    const sale = paper(saleReceipt({ ...SALE, cashierId: 'bob' }, { ...SHOP, locale: 'fr' }, 1, names));
    expect(sale).toContain('Caissier: Bob Diallo');
    expect(sale.some((l) => l.startsWith('Validé par'))).toBe(false);
    const refund = paper(
      saleReceipt(
        {
          ...SALE,
          kind: 'refund',
          cashierId: 'bob',
          override: { managerId: 'awa', reason: 'Client payé par Wave' },
        },
        { ...SHOP, locale: 'id' },
        1,
        names,
      ),
    );
    expect(refund).toContain('Kasir: Bob Diallo');
    expect(refund).toContain('Disetujui oleh: Awa Ndiaye');
    // An account since removed is still named by its id; a till without accounts names nobody.
    expect(paper(saleReceipt({ ...SALE, cashierId: 'old' }, { ...SHOP, locale: 'en' }))).toContain(
      'Cashier: old',
    );
    expect(paper(saleReceipt(SALE, { ...SHOP, locale: 'en' })).some((l) => l.startsWith('Cashier'))).toBe(
      false,
    );
  });

  it("prints the Z-report's figures", () => {
    const report = Z_REPORT;
    const lines = paper(zReportReceipt(report, { ...SHOP, locale: 'fr' }));
    expect(lines).toContain('RAPPORT Z - clôture de caisse');
    const row = (label: string) => lines.find((l) => l.startsWith(label));
    expect(row('Ventes (9)')).toMatch(/45 000 F CFA$/);
    expect(row('Remboursements (1)')).toMatch(/1 500 F CFA$/);
    expect(row('Espèces attendues')).toMatch(/53 500 F CFA$/);
    expect(row('Écart')).toMatch(/-500 F CFA$/);
    expect(row('Awa Ventes (9)')).toMatch(/45 000 F CFA$/);
  });

  it('prints the X-report mid-shift: its heading, per-cashier rows, paid in/out, and nothing counted', () => {
    // The same shift read mid-way: nothing counted yet, a second cashier, cash paid in and out.
    const { closedAt: _closed, countedCashMinor: _counted, differenceMinor: _difference, ...open } = Z_REPORT;
    const report: XReport = {
      ...open,
      at: '2026-03-12T12:30:00.000Z',
      cashiers: [
        ...open.cashiers,
        { ...open.cashiers[0]!, cashierId: 'c2', name: 'Moussa', sales: { count: 1, totalMinor: 3_000 } },
      ],
      paidInMinor: 2_000,
      paidOutMinor: 500,
      expectedCashMinor: 55_000,
    };
    const row = (lines: string[], label: string) => lines.find((l) => l.startsWith(label));
    const en = paper(xReportReceipt(report, { ...SHOP, locale: 'en' }));
    expect(en).toContain('X REPORT - mid-shift, shift still open');
    expect(en).not.toContain('Z REPORT - end of shift');
    expect(en.find((l) => l.startsWith('Read '))).toMatch(/12:30/);
    expect(row(en, 'Awa Sales (9)')).toMatch(/F CFA 45,000$/);
    expect(row(en, 'Moussa Sales (1)')).toMatch(/F CFA 3,000$/);
    expect(row(en, 'Paid in')).toMatch(/F CFA 2,000$/);
    expect(row(en, 'Paid out')).toMatch(/-F CFA 500$/);
    expect(row(en, 'Cash expected')).toMatch(/F CFA 55,000$/);
    // The drawer is not counted mid-shift: no count and no difference on paper.
    expect(row(en, 'Cash counted')).toBeUndefined();
    expect(row(en, 'Difference')).toBeUndefined();
    const fr = paper(xReportReceipt(report, { ...SHOP, locale: 'fr' }));
    expect(fr).toContain('RAPPORT X - en cours de journée, caisse ouverte');
    expect(row(fr, 'Moussa Ventes (1)')).toMatch(/3 000 F CFA$/);
    expect(row(fr, 'Entrée de caisse')).toMatch(/2 000 F CFA$/);
    const id = paper(xReportReceipt(report, { ...SHOP, locale: 'id' }));
    expect(id).toContain('LAPORAN X - tengah shift, kasir masih buka');
    expect(row(id, 'Kas keluar')).toMatch(/500$/);
  });
});
