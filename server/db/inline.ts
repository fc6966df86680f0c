import pg from 'pg';

/** A parameterised statement, as pg's `query(text, values)` takes it. */
export interface Statement {
  text: string;
  values: readonly unknown[];
}

type Scalar = string | number | bigint | boolean | Date;

function scalarText(value: Scalar): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot inline the number ${value}`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  throw new TypeError(`cannot inline a value of type ${typeof value}`);
}

/** PostgreSQL's array literal syntax: every element double-quoted, `"` and `\` escaped. */
function arrayText(values: readonly unknown[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayText(v);
    const text = scalarText(v as Scalar);
    // Escaping one character at a time was most of the cost of inlining a 100-sale insert.
    return text.includes('"') || text.includes('\\') ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`;
  });
  return `{${items.join(',')}}`;
}

/** pg's escapeLiteral, which walks the string in JavaScript, only when there is something to escape. */
function quote(text: string): string {
  return text.includes("'") || text.includes('\\') ? pg.escapeLiteral(text) : `'${text}'`;
}

/**
 * A value as an SQL literal of unknown type, which PostgreSQL resolves exactly as it resolves an
 * untyped parameter (pg sends every parameter as text of unknown type): strings, numbers, booleans,
 * dates (ISO 8601, UTC) and arrays of those; null is NULL.
 */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return quote(arrayText(value));
  return quote(scalarText(value as Scalar));
}

/**
 * The statement with its `$n` placeholders replaced by literals, for a simple-protocol query that
 * sends several statements in one round trip (parameters exist only in the extended protocol, one
 * statement per message). Only for statements whose text has no `$` other than placeholders.
 */
export function inline(statement: Statement): string {
  return statement.text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= statement.values.length) throw new RangeError(`no value for $${n}`);
    return literal(statement.values[i]);
  });
}

/**
 * Runs statements in one round trip (simple query protocol) and returns each one's result. Each
 * statement still sees a fresh snapshot under READ COMMITTED; an error stops the rest.
 */
export async function queryAll(
  client: Pick<pg.PoolClient, 'query'>,
  statements: readonly (Statement | string)[],
): Promise<pg.QueryResult[]> {
  const text = statements.map((s) => (typeof s === 'string' ? s : inline(s))).join(';\n');
  // pg answers a multi-statement simple query with one result per statement; its typings do not say so.
  const results = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
  return Array.isArray(results) ? results : [results];
}

/**
 * Sends `statements` and COMMIT as one simple-protocol query, so a transaction ends without a
 * round trip of its own. After an earlier failure PostgreSQL answers COMMIT with ROLLBACK: that
 * is an error here, not a silent loss.
 */
export async function commitWith(
  client: Pick<pg.PoolClient, 'query'>,
  statements: readonly (Statement | string)[],
): Promise<pg.QueryResult[]> {
  const results = await queryAll(client, [...statements, 'COMMIT']);
  const last = results[results.length - 1]!;
  if (last.command !== 'COMMIT') throw new Error(`transaction ended with ${last.command}, not COMMIT`);
  return results;
}
