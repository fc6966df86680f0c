import { holdsCardData, mayHoldCardData } from '../card-data';
import { Sale } from './sale';

export type SaleIssueCode =
  | 'SCHEMA'
  | 'LINE_TOTAL_MISMATCH'
  | 'LINE_DISCOUNT_EXCEEDS_PRICE'
  | 'AMOUNT_OVERFLOW'
  | 'SALE_TOTAL_MISMATCH'
  | 'TENDER_SHORT'
  | 'TENDER_OVERPAID'
  | 'CHANGE_EXCEEDS_CASH'
  | 'NON_CASH_OVERPAYS'
  | 'CARD_NUMBER_PRESENT';

export interface SaleIssue {
  code: SaleIssueCode;
  /** Where in the sale, as a path of keys and indexes (e.g. ['lines', 2, 'total_minor']). */
  path: (string | number)[];
  message: string;
}

export type SaleCheck = { ok: true; sale: Sale; issues: [] } | { ok: false; issues: SaleIssue[] };

/**
 * Validates shape, then the arithmetic a server must be able to trust:
 * line total = qty × unit − discount + tax; sale total = Σ line totals; Σ tendered − Σ change = total,
 * change only from cash and never beyond the cash handed over; no card number or track data in any text.
 * Refunds and voids follow the same rules: their tenders are the money given back.
 */
export function checkSale(input: unknown): SaleCheck {
  const parsed = Sale.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        code: 'SCHEMA',
        path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
        message: i.message,
      })),
    };
  }
  const sale = parsed.data;
  const issues = saleRuleIssues(sale);
  return issues.length === 0 ? { ok: true, sale, issues: [] } : { ok: false, issues };
}

/** checkSale's rules for a sale already parsed with `Sale` (a bundle payload's sales are). */
export function saleRuleIssues(sale: Sale): SaleIssue[] {
  return [...arithmeticIssues(sale), ...cardNumberIssues(sale)];
}

function arithmeticIssues(sale: Sale): SaleIssue[] {
  const issues: SaleIssue[] = [];
  let sum = 0;
  sale.lines.forEach((line, i) => {
    const gross = line.qty * line.unit_price_minor;
    const expected = gross - line.discount_minor + line.tax_minor;
    if (!Number.isSafeInteger(gross) || !Number.isSafeInteger(expected)) {
      issues.push({ code: 'AMOUNT_OVERFLOW', path: ['lines', i], message: 'line amount beyond 2^53' });
      return;
    }
    if (line.discount_minor > gross)
      issues.push({
        code: 'LINE_DISCOUNT_EXCEEDS_PRICE',
        path: ['lines', i, 'discount_minor'],
        message: `discount ${line.discount_minor} exceeds qty × unit ${gross}`,
      });
    if (line.total_minor !== expected)
      issues.push({
        code: 'LINE_TOTAL_MISMATCH',
        path: ['lines', i, 'total_minor'],
        message: `total ${line.total_minor} ≠ ${line.qty} × ${line.unit_price_minor} − ${line.discount_minor} + ${line.tax_minor} = ${expected}`,
      });
    sum += line.total_minor;
  });
  if (!Number.isSafeInteger(sum)) {
    issues.push({ code: 'AMOUNT_OVERFLOW', path: ['lines'], message: 'sum of lines beyond 2^53' });
    return issues;
  }
  if (sale.total_minor !== sum)
    issues.push({
      code: 'SALE_TOTAL_MISMATCH',
      path: ['total_minor'],
      message: `total ${sale.total_minor} ≠ sum of line totals ${sum}`,
    });

  let tendered = 0;
  let cash = 0;
  let change = 0;
  for (const t of sale.tenders) {
    tendered += t.amount_minor;
    if (t.type === 'cash') cash += t.amount_minor;
    change += t.change_minor ?? 0;
  }
  if (![tendered, cash, change].every(Number.isSafeInteger)) {
    issues.push({ code: 'AMOUNT_OVERFLOW', path: ['tenders'], message: 'tendered amounts beyond 2^53' });
    return issues;
  }
  if (change > cash)
    issues.push({
      code: 'CHANGE_EXCEEDS_CASH',
      path: ['tenders'],
      message: `change ${change} exceeds cash ${cash}`,
    });
  // Cards and QR are charged the exact amount: only cash can exceed what is due.
  if (tendered - cash > sale.total_minor)
    issues.push({
      code: 'NON_CASH_OVERPAYS',
      path: ['tenders'],
      message: `card and QR ${tendered - cash} exceed the total ${sale.total_minor}`,
    });
  const kept = tendered - change;
  if (kept < sale.total_minor)
    issues.push({
      code: 'TENDER_SHORT',
      path: ['tenders'],
      message: `tendered ${kept} after change, due ${sale.total_minor}`,
    });
  if (kept > sale.total_minor)
    issues.push({
      code: 'TENDER_OVERPAID',
      path: ['tenders'],
      message: `tendered ${tendered} − change ${change} = ${kept} ≠ due ${sale.total_minor}: change must be tendered − due`,
    });
  return issues;
}

/**
 * PCI DSS keeps card numbers and track data out of our storage, and a terminal we did not write may
 * put them in any text it signs. Every string of a sale, refund or void is judged by the rule the
 * terminal applies to what it reads (protocol/card-data.ts): a Luhn-valid number also in groups
 * ("4111 1111 1111 1111"), track 1 or 2 data, a track 1 name and expiry. A product code with a valid
 * GS1 check digit is not card data, so `sku` is checked too. Skipped: fields whose format rules a
 * card out and whose digits are there by chance (UUIDs, base64url hashes and signatures, where a
 * dash can join digit runs into a Luhn-valid number).
 */
const NOT_SCANNED = new Set([
  'sale_id',
  'original_sale_id',
  'prev_hash',
  'signature',
  // The registered device's id (the header must name the same): test tills' ids such as
  // POS-123456-7-12345673 joined by dashes into a Luhn-valid run, and their sales were quarantined.
  'device_id',
  // A schema-checked ISO timestamp; its dashes join digit groups too.
  'created_at',
]);
/**
 * A card token is the processor's reference, never a number a cashier types: 12 or more digits in
 * a row there are refused too, as the terminal refuses them (docs/sync.md), Luhn-valid or not.
 */
const LONG_DIGIT_RUN = /\d{12,}/;

function holdsCardDataAt(value: string, key: string | number | undefined): boolean {
  if (!mayHoldCardData(value)) return false;
  return (key === 'token' && LONG_DIGIT_RUN.test(value)) || holdsCardData(value);
}

function cardNumberIssues(sale: Sale): SaleIssue[] {
  const issues: SaleIssue[] = [];
  scanForCardNumbers(sale, [], issues);
  return issues;
}

/**
 * Walks the sale keeping one path array, copied only for a hit: the server scans every sale of every
 * pushed bundle, and a path array per value (with entries and flatMap) cost more than the scan.
 */
function scanForCardNumbers(value: unknown, path: (string | number)[], issues: SaleIssue[]): void {
  if (typeof value === 'string') {
    // The message names the rule, never the text: it is returned and logged.
    if (holdsCardDataAt(value, path[path.length - 1]))
      issues.push({
        code: 'CARD_NUMBER_PRESENT',
        path: [...path],
        message: 'holds a card number or track data, which is never stored',
      });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      scanForCardNumbers(value[i], path, issues);
      path.pop();
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key) || NOT_SCANNED.has(key)) continue;
    path.push(key);
    scanForCardNumbers(record[key], path, issues);
    path.pop();
  }
}
