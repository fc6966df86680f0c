import { LOCALE_TAGS, type Locale, type SaleSummary } from '../../../protocol/api';
import type { ReceiptInput } from '../../../native/hardware';

const WORDS = {
  en: {
    sale: 'Sale no.',
    refund: 'Refund no.',
    void: 'Void no.',
    subtotal: 'Subtotal',
    discount: 'Discount',
    tax: 'Tax',
    total: 'TOTAL',
    cash: 'Cash',
    card: 'Card',
    qr: 'QR',
    change: 'Change',
    offline: 'Recorded offline',
    thanks: 'Thank you!',
  },
  fr: {
    sale: 'Vente n°',
    refund: 'Remboursement n°',
    void: 'Annulation de ticket n°',
    subtotal: 'Sous-total',
    discount: 'Remise',
    tax: 'TVA',
    total: 'TOTAL',
    cash: 'Espèces',
    card: 'Carte',
    qr: 'QR',
    change: 'Rendu monnaie',
    offline: 'Enregistrée hors ligne',
    thanks: 'Merci de votre visite !',
  },
  id: {
    sale: 'Penjualan no.',
    refund: 'Retur no.',
    void: 'Pembatalan no.',
    subtotal: 'Subtotal',
    discount: 'Diskon',
    tax: 'Pajak',
    total: 'TOTAL',
    cash: 'Tunai',
    card: 'Kartu',
    qr: 'QR',
    change: 'Kembalian',
    offline: 'Dicatat secara offline',
    thanks: 'Terima kasih!',
  },
} as const;

/** Receipt printers have no narrow or non-breaking spaces; Intl puts them in dates and times. */
const plainSpaces = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

/**
 * The one description of a sale's receipt: the printer gets it as ESC/POS bytes and the screen
 * as the SVG preview, both from native/hardware's renderReceipt. Built from the recorded sale, not
 * from what the cart said.
 */
export function saleReceipt(
  sale: SaleSummary,
  options: { terminalName: string; locale: Locale; timeZone?: string },
): ReceiptInput {
  const w = WORDS[options.locale];
  const when = plainSpaces(
    new Intl.DateTimeFormat(LOCALE_TAGS[options.locale], {
      dateStyle: 'short',
      timeStyle: 'short',
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    }).format(new Date(sale.createdAt)),
  );
  const gross = sale.lines.reduce((s, l) => s + l.qty * l.unitPriceMinor, 0);
  const discount = sale.lines.reduce((s, l) => s + l.discountMinor, 0);
  const sign = sale.kind === 'sale' ? 1 : -1;
  return {
    currency: sale.currency,
    header: [options.terminalName, `${w[sale.kind]} ${sale.seq}`, when],
    items: sale.lines.map((l) => ({ name: l.name, qty: l.qty, unitPrice: l.unitPriceMinor })),
    totals: [
      ...(discount > 0
        ? [
            { label: w.subtotal, amount: gross },
            { label: w.discount, amount: -discount },
          ]
        : []),
      { label: w.tax, amount: sale.taxMinor },
      { label: w.total, amount: sign * sale.totalMinor, emphasis: true },
    ],
    tenders: [
      ...sale.tenders.map((t) => ({
        label:
          t.type === 'card'
            ? `${w.card} ${t.brand ?? ''} ${t.last4 ? `****${t.last4}` : ''}`.replace(/\s+/g, ' ').trim()
            : t.type === 'qr'
              ? `${w.qr} ${t.payerRef ?? ''}`.trim()
              : w.cash,
        amount: sign * t.amountMinor,
      })),
      ...(sale.changeMinor > 0 ? [{ label: w.change, amount: sale.changeMinor }] : []),
    ],
    footer: [...(sale.online ? [] : [w.offline]), w.thanks],
    qr: `outpost-receipt:${sale.saleId}`,
    cut: true,
  };
}
