import {
  CATALOG_CSV_COLUMNS,
  CATALOG_CSV_MAX_ROWS,
  CatalogItemInput,
  type CatalogItem,
  type CsvRowIssue,
} from '../../protocol/http';
import { controlCharacterPath } from '../../protocol/text';
import { CsvSyntaxError, escapeFormula, readCsv, unescapeFormula, writeCsv } from './csv';
import { catalogError } from './store';

/** The catalog as CSV (issue #19, item 6): what export writes and import reads. */

type Column = (typeof CATALOG_CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['sku', 'name', 'price_minor', 'currency', 'tax_rate_bp'];
const INTEGER = /^\d{1,16}$/;

/** CSV cells → the JSON shape CatalogItemInput checks; the schema then names what is wrong. */
function rowObject(cell: (c: Column) => string): Record<string, unknown> {
  const int = (c: Column) => (INTEGER.test(cell(c)) ? Number(cell(c)) : cell(c));
  const barcodes = cell('barcodes').split(/\s+/).filter(Boolean);
  const active = cell('active').toLowerCase();
  return {
    sku: unescapeFormula(cell('sku')),
    name: unescapeFormula(cell('name')),
    price_minor: int('price_minor'),
    currency: cell('currency'),
    tax_rate_bp: int('tax_rate_bp'),
    barcodes,
    barcode: barcodes[0] ?? null,
    category_id: cell('category_id') === '' ? null : cell('category_id'),
    quick_key: cell('quick_key') === '' ? null : int('quick_key'),
    active: active === '' || active === 'true' ? true : active === 'false' ? false : active,
  };
}

/**
 * Every row of `csv` as an item, or 400 CATALOG_CSV_INVALID listing each bad line (up to 100) with
 * its column and reason: an import is all rows or none.
 */
export function parseCatalogCsv(csv: string): { line: number; item: CatalogItem }[] {
  let records;
  try {
    records = readCsv(csv);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    throw invalid([{ line: err.line, column: null, code: 'csv_syntax', message: err.message }]);
  }
  const [header, ...rows] = records;
  if (!header) throw invalid([{ line: 1, column: null, code: 'empty', message: 'the file is empty' }]);
  // More fields than there are columns is refused before any per-column work: a header of 170,000
  // names cost a minute of the event loop in the duplicate check (red-team pass 11, L-1).
  if (header.fields.length > CATALOG_CSV_COLUMNS.length)
    throw invalid([
      {
        line: header.line,
        column: null,
        code: 'too_many_columns',
        message: `${header.fields.length} columns; a catalog has at most ${CATALOG_CSV_COLUMNS.length}: ${CATALOG_CSV_COLUMNS.join(', ')}`,
      },
    ]);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const issues: CsvRowIssue[] = [];
  const at = (column: string | null, code: string, message: string, line = header.line) =>
    issues.push({ line, column, code, message });
  const known: ReadonlySet<string> = new Set(CATALOG_CSV_COLUMNS);
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const name of names) {
    if (!known.has(name))
      at(name, 'unknown_column', `unknown column; the columns are ${CATALOG_CSV_COLUMNS.join(', ')}`);
    if (seen.has(name)) twice.add(name);
    seen.add(name);
  }
  for (const name of twice) at(name, 'duplicate_column', 'this column appears twice');
  for (const name of REQUIRED) if (!seen.has(name)) at(name, 'missing_column', 'required column');
  if (rows.length > CATALOG_CSV_MAX_ROWS)
    at(null, 'too_many_rows', `at most ${CATALOG_CSV_MAX_ROWS} rows per import`);
  if (issues.length > 0) throw invalid(issues);

  const out: { line: number; item: CatalogItem }[] = [];
  const skuLines = new Map<string, number>();
  for (const { line, fields } of rows) {
    if (fields.length !== names.length) {
      at(null, 'field_count', `${fields.length} fields where the header has ${names.length}`, line);
      continue;
    }
    const cell = (c: Column) => {
      const i = names.indexOf(c);
      return i < 0 ? '' : fields[i]!.trim();
    };
    const value = rowObject(cell);
    const control = controlCharacterPath(value);
    if (control !== undefined) {
      at(control.split('.')[0]!, 'control_character', 'must not contain control characters', line);
      continue;
    }
    const parsed = CatalogItemInput.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        at(String(issue.path[0] ?? '') || null, issue.code, issue.message, line);
      continue;
    }
    const first = skuLines.get(parsed.data.sku);
    if (first !== undefined) at('sku', 'duplicate_sku', `the same sku as line ${first}`, line);
    else skuLines.set(parsed.data.sku, line);
    out.push({ line, item: parsed.data });
  }
  if (issues.length > 0) throw invalid(issues);
  return out;
}

export function invalid(issues: CsvRowIssue[]) {
  const lines = [...new Set(issues.map((i) => i.line))];
  return catalogError(
    'CATALOG_CSV_INVALID',
    `The CSV has errors on line${lines.length > 1 ? 's' : ''} ${lines.slice(0, 10).join(', ')}; nothing was imported`,
    issues.slice(0, 100),
  );
}

/** The items as CSV, in CATALOG_CSV_COLUMNS order. */
export function catalogCsv(items: readonly CatalogItem[]): string {
  return writeCsv([
    CATALOG_CSV_COLUMNS,
    ...items.map((i) => [
      escapeFormula(i.sku),
      escapeFormula(i.name),
      String(i.price_minor),
      i.currency,
      String(i.tax_rate_bp),
      (i.barcodes ?? []).join(' '),
      i.category_id ?? '',
      i.quick_key == null ? '' : String(i.quick_key),
      String(i.active),
    ]),
  ]);
}
