import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, escapeFormula, readCsv, unescapeFormula, writeCsv } from './csv';

describe('readCsv (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, keeping each record’s first line', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\nlines"\n\nlast,,\n';
    expect(readCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['last', '', ''] },
    ]);
  });

  it('reads a last record without a line end', () => {
    expect(readCsv('a,b\n1,2')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  it.each([
    ['a\n"open', 2, /not closed/],
    ['a\n"x"y', 2, /after a closing quote/],
    ['a\nx"y', 2, /inside an unquoted field/],
  ])('refuses %j at line %i', (text, line, message) => {
    const error = (() => {
      try {
        readCsv(text);
      } catch (e) {
        return e;
      }
    })() as CsvSyntaxError;
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
  });
});

describe('writeCsv', () => {
  it('quotes what needs it and reads back to the same fields', () => {
    const rows = [
      ['sku', 'name'],
      ['A-1', 'Café, "spécial"'],
      ['B-2', ' padded '],
      ['C-3', 'two\r\nlines'],
    ];
    const text = writeCsv(rows);
    expect(text).toBe('sku,name\r\nA-1,"Café, ""spécial"""\r\nB-2," padded "\r\nC-3,"two\r\nlines"\r\n');
    expect(readCsv(text).map((r) => r.fields)).toEqual(rows);
  });

  it('writes a text a spreadsheet would run as a formula with a leading quote, and reads it back', () => {
    for (const value of ['=HYPERLINK("x")', '+1', '-2', '@SUM(A1)']) {
      expect(escapeFormula(value)).toBe(`'${value}`);
      expect(unescapeFormula(escapeFormula(value))).toBe(value);
    }
    expect(escapeFormula('Bread')).toBe('Bread');
    expect(unescapeFormula("'quoted")).toBe("'quoted");
  });

  it('neutralises a formula behind blanks, quotes or separators, and after each `;` (#16, S-1)', () => {
    const cases: [string, string][] = [
      [';=1+1', "';'=1+1"],
      [' =1+1', "' =1+1"],
      ['"=1+1', `'"=1+1`],
      ["'=1+1", "''=1+1"],
      ['\u00a0=1', "'\u00a0=1"],
      ['\u200b=1', "'\u200b=1"],
      ['\uff1d1+1', "'\uff1d1+1"],
      ['\tx', "'\tx"],
      ['\rx', "'\rx"],
      ['Pain; =1', "Pain;' =1"],
      ['Pain; 2 kg', 'Pain; 2 kg'],
    ];
    for (const [value, escaped] of cases) {
      expect(escapeFormula(value), value).toBe(escaped);
      expect(unescapeFormula(escaped), value).toBe(value);
    }
    // Such cells are always quoted, so a `,` reading keeps them whole.
    expect(writeCsv([[escapeFormula(';=1+1'), 'b']])).toBe(`"';'=1+1",b\r\n`);
    expect(writeCsv([['Pain; 2 kg']])).toBe('"Pain; 2 kg"\r\n');
  });
});
