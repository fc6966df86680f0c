/**
 * A small RFC 4180 reader and writer for the catalog's import and export (issue #19). No CSV
 * library is installed (node_modules has none), and the catalog needs only this much: comma
 * separated, `"` quoting with `""` for a quote, CRLF or LF line ends, quoted fields spanning lines.
 * Each record keeps the file line it starts on, so an import can name the line of a bad row.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Records of `text` (a leading BOM is skipped; blank lines are not records). */
export function readCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.startsWith('\uFEFF') ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new CsvSyntaxError(start, 'a quoted field is not closed');
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
          throw new CsvSyntaxError(line, 'text after a closing quote');
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') throw new CsvSyntaxError(line, 'a quote inside an unquoted field');
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}

/**
 * Spreadsheets run a cell starting with one of these as a formula (CSV injection, OWASP): `=`, `+`,
 * `-`, `@` (and their fullwidth forms), also behind leading blanks, zero-width characters, quotes
 * or list separators, and a leading tab or carriage return. Export writes such a text with a
 * leading `'`, which spreadsheets show as text, and import takes it off again.
 *
 * A spreadsheet whose list separator is `;` (French locales, the shops') splits a line on `;` and
 * ignores our `,` quoting, so the text after each `;` inside a cell starts a cell of its own there:
 * each such piece that would run is given its `'` too (`;=1+1` is written `';'=1+1`), and the cell
 * is quoted (#16, red-team pass 10 S-1).
 */
const FORMULA_START = /^(?:[\s"';,\u200B-\u200D\u2060\uFEFF]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|[\t\r])/;
const LIST_SEPARATOR = ';';

const escapeStart = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);
const unescapeStart = (value: string) =>
  value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;

/** Each piece after a `;`, as a `;`-separated reading would see it (the first is left alone). */
const mapPiecesAfterSeparator = (value: string, f: (piece: string) => string) =>
  value
    .split(LIST_SEPARATOR)
    .map((piece, i) => (i === 0 ? piece : f(piece)))
    .join(LIST_SEPARATOR);

export function escapeFormula(value: string): string {
  return mapPiecesAfterSeparator(escapeStart(value), escapeStart);
}

export function unescapeFormula(value: string): string {
  return unescapeStart(mapPiecesAfterSeparator(value, unescapeStart));
}

function quote(value: string): string {
  return /[",;\r\n]|^\s|\s$|^'/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** CSV text: CRLF line ends, as RFC 4180 writes them, ending with one. */
export function writeCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(quote).join(',') + '\r\n').join('');
}
