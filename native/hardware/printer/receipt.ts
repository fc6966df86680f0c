import { z } from 'zod';
import { formatMoney, MinorAmount, minorUnitExponent } from '../../../protocol/money';

/**
 * A receipt is described once and rendered twice — ESC/POS bytes for the printer, an SVG preview
 * for the screen — so what the cashier sees is what prints.
 */
const Text = z.string().max(200);

export const ReceiptSchema = z.object({
  /** Characters per line in the printer's normal font: 48 on 80 mm paper, 32 on 58 mm. */
  columns: z.number().int().min(24).max(64).default(48),
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** The app's language (BCP 47): amounts print as the screen shows them. Absent: "1 500 XOF". */
  locale: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
    .optional(),
  header: z.array(Text).max(20).default([]),
  items: z
    .array(z.object({ name: Text, qty: z.number().int().min(1).max(100_000), unitPrice: MinorAmount }))
    .max(500),
  totals: z
    .array(z.object({ label: Text, amount: MinorAmount, emphasis: z.boolean().default(false) }))
    .max(20),
  tenders: z
    .array(z.object({ label: Text, amount: MinorAmount }))
    .max(20)
    .default([]),
  footer: z.array(Text).max(20).default([]),
  /** Printed as a QR code (a payment or receipt-lookup URL); at most what a QR holds in byte mode. */
  qr: z.string().min(1).max(2000).optional(),
  cut: z.boolean().default(true),
  openDrawer: z.boolean().default(false),
});

export type Receipt = z.output<typeof ReceiptSchema>;
export type ReceiptInput = z.input<typeof ReceiptSchema>;

/**
 * Money for paper. With a locale, as the screen formats it (Intl, the same formatMoney), its narrow
 * and non-breaking spaces made plain (printers lack U+202F). Without one: grouped with plain spaces,
 * ISO 4217 decimals, then the code.
 */
export function formatAmount(minor: number, currency: string, locale?: string): string {
  if (locale) return formatMoney(minor, currency, locale).replace(/[\u00a0\u202f]/g, ' ');
  const exponent = minorUnitExponent(currency);
  const digits = Math.abs(minor)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  const fraction = exponent === 0 ? '' : `,${digits.slice(-exponent)}`;
  return `${minor < 0 ? '-' : ''}${grouped}${fraction} ${currency}`;
}
