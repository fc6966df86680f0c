import { LOCALE_TAGS, type Locale, type SaleSummary, type Settings } from '../../../protocol/api';
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
    taxId: 'Tax ID',
    copy: 'COPY',
    zReport: 'Z REPORT - end of shift',
    xReport: 'X REPORT - mid-shift, shift still open',
    read: 'Read',
    opened: 'Opened',
    closed: 'Closed',
    sales: 'Sales',
    refunds: 'Refunds',
    voids: 'Voids',
    net: 'Net',
    netTax: 'Net tax',
    overrides: 'Manager overrides',
    float: 'Float',
    expected: 'Cash expected',
    counted: 'Cash counted',
    difference: 'Difference',
    noCashier: 'No cashier',
    paidIn: 'Paid in',
    paidOut: 'Paid out',
    cashier: 'Cashier',
    approvedBy: 'Approved by',
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
    taxId: 'N° TVA',
    copy: 'DUPLICATA',
    zReport: 'RAPPORT Z - clôture de caisse',
    xReport: 'RAPPORT X - en cours de journée, caisse ouverte',
    read: 'Édité le',
    opened: 'Ouverture',
    closed: 'Clôture',
    sales: 'Ventes',
    refunds: 'Remboursements',
    voids: 'Annulations',
    net: 'Net',
    netTax: 'TVA nette',
    overrides: 'Dérogations gérant',
    float: 'Fond de caisse',
    expected: 'Espèces attendues',
    counted: 'Espèces comptées',
    difference: 'Écart',
    noCashier: 'Sans caissier',
    paidIn: 'Entrée de caisse',
    paidOut: 'Sortie de caisse',
    cashier: 'Caissier',
    approvedBy: 'Validé par',
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
    taxId: 'NPWP',
    copy: 'SALINAN',
    zReport: 'LAPORAN Z - tutup kasir',
    xReport: 'LAPORAN X - tengah shift, kasir masih buka',
    read: 'Dicetak',
    opened: 'Buka',
    closed: 'Tutup',
    sales: 'Penjualan',
    refunds: 'Retur',
    voids: 'Pembatalan',
    net: 'Bersih',
    netTax: 'Pajak bersih',
    overrides: 'Persetujuan manajer',
    float: 'Modal awal kas',
    expected: 'Kas seharusnya',
    counted: 'Kas dihitung',
    difference: 'Selisih',
    noCashier: 'Tanpa kasir',
    paidIn: 'Kas masuk',
    paidOut: 'Kas keluar',
    cashier: 'Kasir',
    approvedBy: 'Disetujui oleh',
  },
} as const;

/** Receipt printers have no narrow or non-breaking spaces; Intl puts them in dates and times. */
const plainSpaces = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

/** What Settings say about the paper: the shop's header, the till's name and the language. */
export type ReceiptContext = Pick<
  Settings,
  'terminalName' | 'locale' | 'shopName' | 'shopAddress' | 'shopTaxId'
> & { timeZone?: string };

export const receiptWords = (locale: Locale) => WORDS[locale];

export function receiptTime(iso: string, options: ReceiptContext): string {
  return plainSpaces(
    new Intl.DateTimeFormat(LOCALE_TAGS[options.locale], {
      dateStyle: 'short',
      timeStyle: 'short',
      ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    }).format(new Date(iso)),
  );
}

/** The shop's name, address and tax id as set in Settings, then the till's name (long lines wrap on paper). */
export function shopHeader(options: ReceiptContext): string[] {
  const w = WORDS[options.locale];
  return [
    ...(options.shopName ? [options.shopName] : []),
    ...(options.shopAddress ? [options.shopAddress] : []),
    ...(options.shopTaxId ? [`${w.taxId} ${options.shopTaxId}`] : []),
    options.terminalName,
  ];
}

/** Cashier account names by id: the receipt names the cashier and the approving manager (#18). */
export type CashierNames = ReadonlyMap<string, string>;

/** Who served, and who approved an override, as the receipt's lines; an unknown id stays an id. */
function people(sale: SaleSummary, names: CashierNames, w: (typeof WORDS)[Locale]): string[] {
  const named = (id: string) => names.get(id) ?? id;
  return [
    ...(sale.cashierId ? [`${w.cashier}: ${named(sale.cashierId)}`] : []),
    ...(sale.override ? [`${w.approvedBy}: ${named(sale.override.managerId)}`] : []),
  ];
}

/**
 * The one description of a sale's receipt: the printer gets it as ESC/POS bytes and the screen
 * as the SVG preview, both from native/hardware's renderReceipt. Built from the recorded sale, not
 * from what the cart said. A copy after the first is marked as one. The cashier who recorded it
 * and the manager who approved an override are named under the time.
 */
export function saleReceipt(
  sale: SaleSummary,
  options: ReceiptContext,
  copy = 1,
  names: CashierNames = new Map(),
): ReceiptInput {
  const w = WORDS[options.locale];
  const when = receiptTime(sale.createdAt, options);
  const gross = sale.lines.reduce((s, l) => s + l.qty * l.unitPriceMinor, 0);
  const discount = sale.lines.reduce((s, l) => s + l.discountMinor, 0);
  const sign = sale.kind === 'sale' ? 1 : -1;
  return {
    currency: sale.currency,
    locale: options.locale,
    header: [
      ...shopHeader(options),
      `${w[sale.kind]} ${sale.seq}`,
      when,
      ...people(sale, names, w),
      ...(copy > 1 ? [w.copy] : []),
    ],
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
