/**
 * Splits SQL text into its statements at top-level semicolons, so a migration file can go to the
 * server one statement per query (Citus refuses DDL on distributed tables sent as one
 * multi-statement query; issue #23 item 3). Semicolons inside quoted strings, quoted identifiers,
 * comments and dollar-quoted bodies (`$$ … $$`, `$fn$ … $fn$`: plpgsql functions) do not split.
 * `BEGIN ATOMIC … END` bodies are refused: no migration uses them and their inner semicolons
 * cannot be told apart without a parser.
 */
export function splitSqlStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (stripComments(text).trim() !== '') out.push(text);
    start = end + 1;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'" || c === '"') {
      i = skipQuoted(sql, i);
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close < 0) throw new Error(`unterminated dollar quote ${tag[0]} at offset ${i}`);
        i = close + tag[0].length;
      } else i++;
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      if (/^begin\s+atomic\b/i.test(sql.slice(i, i + 20)) && !/\w/.test(sql[i - 1] ?? '')) {
        throw new Error('BEGIN ATOMIC bodies are not supported by the statement splitter');
      }
      i++;
    }
  }
  push(n);
  return out;
}

function skipQuoted(sql: string, from: number): number {
  const quote = sql[from]!;
  // E'…' strings escape with a backslash; standard strings only by doubling the quote.
  const backslash = quote === "'" && /[eE]/.test(sql[from - 1] ?? '') && !/[\w$]/.test(sql[from - 2] ?? '');
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  throw new Error(`unterminated ${quote} quote at offset ${from}`);
}

function skipBlockComment(sql: string, from: number): number {
  // PostgreSQL's block comments nest.
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  throw new Error(`unterminated block comment at offset ${from}`);
}

/** The text without `--` and block comments (quoted text is left as it is). */
export function stripComments(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
      out += ' ';
    } else if (c === "'" || c === '"') {
      const end = skipQuoted(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const close = tag ? sql.indexOf(tag[0], i + tag[0].length) : -1;
      const end = tag && close >= 0 ? close + tag[0].length : i + 1;
      out += sql.slice(i, end);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
