import { getQueryMatcher, getSortComparator } from 'rxdb';
import type { PreparedQuery, RxDocumentData, RxJsonSchema, RxStorageDefaultCheckpoint } from 'rxdb';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import { encodeIndexString } from './index-key';
import { changesIndexFields, indexKey } from './indexes';
import type { IndexRange, RawDocRow, Table } from './table';

/**
 * The plan's bounds as a range on the index column: RxDB's own bound strings (the column's builders
 * in indexes.ts equal getStartIndexStringFrom*Bound), encoded like the keys. The SQL depends only on
 * the column and which ends are inclusive (the shape), so nothing here builds SQL text.
 */
function rangeFromPlan<T>(table: Table, query: PreparedQuery<T>): IndexRange {
  const known = table.ranges.get(query);
  if (known) return known;
  const plan = query.queryPlan;
  const column = table.columnOf(plan.index);
  const lower = column.lowerBoundString(plan.startKeys);
  const upper = column.upperBoundString(plan.endKeys);
  const shape = column.position * 4 + (plan.inclusiveStart ? 2 : 0) + (plan.inclusiveEnd ? 1 : 0);
  const range: IndexRange = {
    shape,
    column,
    params: [encodeIndexString(lower), encodeIndexString(upper)],
    // A bound string can hold any unit: the lengths keep two ranges from joining to one key.
    countKey: `${shape}:${lower.length}:${lower}${upper}`,
  };
  table.ranges.set(query, range);
  return range;
}

/** What a range statement reads (bits of its shape code below the range's shape). */
const ROWIDS = 0;
const ROWS = 1;
const COUNT = 2;
const ORDERED = 4;
const LIMITED = 8;

/**
 * The statement of a range shape and what it reads, prepared the first time that shape runs in
 * this table and reused for every range of the same shape with its values bound: rowid and count
 * statements pluck their one column, row statements are raw `[rowid, data]`.
 */
function rangeStatement(table: Table, range: IndexRange, reads: number): Statement<unknown[]> {
  return table.rangeStatement(range.shape * 16 + reads, () => {
    const what = (reads & 3) === COUNT ? 'count(*)' : reads & ROWS ? 'rowid, data' : 'rowid';
    const stmt = table.db.prepare(`SELECT ${what} FROM ${table.q} ${rangeWhere(table, range, reads)}`);
    return reads & ROWS ? stmt.raw() : stmt.pluck();
  });
}

/** The WHERE (and ORDER BY, LIMIT) of a range shape: its values are the range's params. */
function rangeWhere(table: Table, range: IndexRange, reads: number): string {
  const column = range.column.column;
  const kind = range.shape & 3;
  let sql = `WHERE ${column} ${kind & 2 ? '>=' : '>'} ? AND ${column} ${kind & 1 ? '<=' : '<'} ?`;
  if (reads & ORDERED) sql += ` ORDER BY ${column}`;
  if (reads & LIMITED) sql += ' LIMIT ? OFFSET ?';
  return sql;
}

export interface QuerySql {
  stmt: Statement<unknown[]>;
  params: (Buffer | number)[];
  /** How the rows are finished in JS. */
  matchInJs: boolean;
  sortInJs: boolean;
  range: IndexRange;
  reads: number;
}

/**
 * The statement for a query, following RxDB's plan: the index range always comes from SQLite; the
 * JS matcher runs only when the selector is not fully expressed by the range, the JS sort only when
 * the index order is not the requested order, and skip/limit go to SQL when neither is needed.
 */
export function querySql<T>(
  table: Table,
  schema: RxJsonSchema<RxDocumentData<T>>,
  query: PreparedQuery<T>,
): QuerySql {
  const plan = query.queryPlan;
  const range = rangeFromPlan(table, query);
  const matchInJs = !plan.selectorSatisfiedByIndex;
  const sortInJs = !plan.sortSatisfiedByIndex;
  // Without the JS matcher only rowids are read, from the index alone (covering): documents then
  // come from the cache, and those not in it from one read by rowid. The matcher needs every row
  // of the range as a document, so then the row's data comes along.
  let reads = matchInJs ? ROWS : ROWIDS;
  const params: (Buffer | number)[] = [range.params[0], range.params[1]];
  if (!sortInJs) reads |= ORDERED;
  if (!matchInJs && !sortInJs) {
    const skip = query.query.skip ?? 0;
    const limit = typeof query.query.limit === 'number' ? query.query.limit : -1;
    if (limit >= 0 || skip > 0) {
      reads |= LIMITED;
      params.push(limit, skip);
    }
  }
  return { stmt: rangeStatement(table, range, reads), params, matchInJs, sortInJs, range, reads };
}

export function countSql<T>(table: Table, schema: RxJsonSchema<RxDocumentData<T>>, query: PreparedQuery<T>) {
  const range = rangeFromPlan(table, query);
  return { stmt: rangeStatement(table, range, COUNT), params: range.params, key: range.countKey };
}

/**
 * Above this many documents not in the cache, a query reads them by running its range again with
 * the data column instead of one batched read by rowid: the same B-tree seeks, without sending the
 * rowids as JSON through json_each and matching rows back by a Map. RxDB's suite after a reopen
 * (3,050 and 4 x 750 documents, none cached): find-by-query 50-60 -> 37-40 ms, the 4 parallel
 * queries 51-61 -> 38-43 ms (alternating processes). Below it, the batched read costs no more.
 */
const ROWS_IN_ONE_PASS = 512;

function missesOver(table: Table, rowids: readonly number[], limit: number): boolean {
  if (rowids.length <= limit) return false;
  let misses = 0;
  for (const rowid of rowids) {
    if (!table.cache.holdsRowid(rowid) && ++misses > limit) return true;
  }
  return false;
}

export function runQuery<T>(
  table: Table,
  schema: RxJsonSchema<RxDocumentData<T>>,
  query: PreparedQuery<T>,
): RxDocumentData<T>[] {
  const skip = query.query.skip ?? 0;
  const limit = typeof query.query.limit === 'number' ? query.query.limit : Infinity;
  if (limit === 0) return [];
  const { stmt, params, matchInJs, sortInJs, range, reads } = querySql(table, schema, query);

  if (!matchInJs) {
    const rowids = stmt.all(...params) as number[];
    let docs = (
      missesOver(table, rowids, ROWS_IN_ONE_PASS)
        ? (rangeStatement(table, range, reads | ROWS).all(...params) as RawDocRow[]).map(([rowid, json]) =>
            table.docOfRow(rowid, json),
          )
        : table.docsByRowids(rowids)
    ) as RxDocumentData<T>[];
    if (sortInJs) {
      docs.sort(getSortComparator(schema, query.query));
      if (skip > 0 || docs.length > skip + limit) docs = docs.slice(skip, skip + limit);
    }
    return docs;
  }

  const matcher = getQueryMatcher(schema, query.query);
  let rows: RxDocumentData<T>[] = [];
  if (!sortInJs) {
    // Index order is the result order: stop reading as soon as skip + limit rows matched.
    const wanted = skip + limit;
    for (const [rowid, json] of stmt.iterate(...params) as IterableIterator<RawDocRow>) {
      const doc = table.docOfRow(rowid, json, false) as RxDocumentData<T>;
      if (!matcher(doc)) continue;
      rows.push(doc);
      if (rows.length >= wanted) break;
    }
  } else {
    for (const [rowid, json] of stmt.iterate(...params) as IterableIterator<RawDocRow>) {
      const doc = table.docOfRow(rowid, json, false) as RxDocumentData<T>;
      if (matcher(doc)) rows.push(doc);
    }
    rows.sort(getSortComparator(schema, query.query));
  }
  if (skip > 0 || rows.length > skip + limit) rows = rows.slice(skip, skip + limit);
  return rows;
}

/**
 * The values of top-level scalar `fields` of each document of a query, in the query's order. A
 * document the cache holds gives them from the object (and is returned as `doc`); the others are
 * read with SQLite's json_extract, without parsing the document in JS or caching it: for reports
 * that read thousands of documents for two fields each. Absent and null both read as undefined, a
 * boolean as the document holds it. Queries needing the JS matcher or sort go through runQuery.
 *
 * Over ROWS_IN_ONE_PASS documents not cached (and most of them), the range is read again with the fields (one pass in
 * index order, cached rows still taken from their objects) instead of sending the rowids through
 * json_each and matching the rows back by a Map: a 10,000-sale shift after a reopen, SQLite and JS
 * together, ~135-160 -> ~60-65 ms of CPU (docs/store.md, "Reports").
 */
export function runQueryFields<T>(
  table: Table,
  schema: RxJsonSchema<RxDocumentData<T>>,
  query: PreparedQuery<T>,
  fields: readonly string[],
): { doc: RxDocumentData<T> | undefined; values: unknown[] }[] {
  const pick = (doc: RxDocumentData<T>) => ({
    doc,
    values: fields.map((f) => (doc as Record<string, unknown>)[f] ?? undefined),
  });
  const { stmt, params, matchInJs, sortInJs, range, reads } = querySql(table, schema, query);
  if (matchInJs || sortInJs) return runQuery(table, schema, query).map(pick);
  if (query.query.limit === 0) return [];
  const extracted = fieldsFromSql(schema, fields, (rowid) => table.docsByRowids([rowid])[0]);
  const rowids = stmt.all(...params) as number[];
  if (onePassForFields(table, rowids)) {
    const rows = table.fieldsOfRange(fields, rangeWhere(table, range, reads)).all(...params) as FieldsRow[];
    return rows.map((row) => {
      const doc = table.cache.getByRowid(row[0]) as RxDocumentData<T> | undefined;
      return doc === undefined ? { doc, values: extracted(row) } : pick(doc);
    });
  }
  const out = new Array<{ doc: RxDocumentData<T> | undefined; values: unknown[] }>(rowids.length);
  let missing: number[] | undefined;
  for (let i = 0; i < rowids.length; i++) {
    const doc = table.cache.getByRowid(rowids[i]!) as RxDocumentData<T> | undefined;
    if (doc === undefined) (missing ??= []).push(i);
    else out[i] = pick(doc);
  }
  if (missing) {
    const read = new Map<number, unknown[]>();
    const wanted = JSON.stringify(missing.map((i) => rowids[i]));
    for (const row of table.fieldsByRowids(fields).all(wanted) as FieldsRow[])
      read.set(row[0], extracted(row));
    for (const i of missing) out[i] = { doc: undefined, values: read.get(rowids[i]!) ?? [] };
  }
  return out;
}

/**
 * Whether the fields are read in one pass over the range rather than by rowid: over
 * ROWS_IN_ONE_PASS documents not cached, and more than half of them. The pass extracts the fields
 * of cached rows too (~4-5 µs a row of 1 KB), a batched read costs ~9 µs a missed row (json_each,
 * the seek by rowid, the Map): a shift closed by the process that recorded it, mostly cached,
 * keeps the batched read of the few it no longer holds.
 */
function onePassForFields(table: Table, rowids: readonly number[]): boolean {
  if (rowids.length <= ROWS_IN_ONE_PASS) return false;
  let misses = 0;
  for (const rowid of rowids) if (!table.cache.holdsRowid(rowid)) misses++;
  return misses > ROWS_IN_ONE_PASS && misses * 2 > rowids.length;
}

/** `[rowid, ...fields]` as json_extract gives them. */
type FieldsRow = [number, ...unknown[]];

/**
 * The fields of a `[rowid, ...fields]` row as the parsed document holds them: json_extract reads an
 * absent field and a JSON null alike (SQL NULL: undefined here) and true/false as 1/0, so a field
 * the schema types boolean is turned back. Objects and arrays would come as JSON text: refused.
 *
 * A lone surrogate, which JSON.stringify writes as the escape \udXXX, json_extract decodes to bytes
 * that are not UTF-8 and reach JS as U+FFFD: a string holding U+FFFD is taken from the parsed
 * document instead (rare; a real U+FFFD only costs that row a parse).
 */
function fieldsFromSql<T>(
  schema: RxJsonSchema<RxDocumentData<T>>,
  fields: readonly string[],
  docOf: (rowid: number) => unknown,
) {
  const booleans = fields.map((f) => {
    const type = (schema.properties as Record<string, { type?: unknown } | undefined>)[f]?.type;
    const types = Array.isArray(type) ? (type as unknown[]) : [type];
    if (types.includes('object') || types.includes('array')) {
      throw new Error(`not a top-level scalar field: ${f}`);
    }
    return types.includes('boolean');
  });
  return (row: FieldsRow): unknown[] => {
    const values = new Array<unknown>(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const v = row[i + 1] ?? undefined;
      if (typeof v === 'string' && v.includes(REPLACEMENT)) {
        const doc = docOf(row[0]) as Record<string, unknown>;
        return fields.map((f) => doc[f] ?? undefined);
      }
      values[i] = booleans[i] && typeof v === 'number' ? v !== 0 : v;
    }
    return values;
  };
}

const REPLACEMENT = '\ufffd';

export function runCount<T>(
  table: Table,
  schema: RxJsonSchema<RxDocumentData<T>>,
  query: PreparedQuery<T>,
): number {
  if (query.queryPlan.selectorSatisfiedByIndex) {
    const { stmt, params, key } = countSql(table, schema, query);
    const cached = table.cache.getCount(key);
    if (cached !== undefined) return cached;
    const count = stmt.get(...params) as number;
    table.cache.setCount(key, count);
    return count;
  }
  // Same answer as query() without skip/limit, as RxDB requires, but without building the array.
  // Not cached: the key would have to be the whole selector, and RxDB refuses slow counts anyway.
  const { stmt, params } = querySql(table, schema, query);
  const matcher = getQueryMatcher(schema, query.query);
  let count = 0;
  for (const [rowid, json] of stmt.iterate(...params) as IterableIterator<RawDocRow>) {
    if (matcher(table.docOfRow(rowid, json, false) as RxDocumentData<T>)) count++;
  }
  return count;
}

/**
 * Changes after a checkpoint, in (lwt, id) order, read from the ['_meta.lwt', id] index column:
 * the checkpoint's own indexable string is the exclusive lower bound.
 */
export function runChangesSince<T>(
  table: Table,
  schema: RxJsonSchema<RxDocumentData<T>>,
  limit: number,
  checkpoint: RxStorageDefaultCheckpoint | undefined,
): RxDocumentData<T>[] {
  const { column, lowerBound } = table.column(indexKey(changesIndexFields(schema)));
  const stmt = checkpoint
    ? table.statement(`SELECT rowid FROM ${table.q} WHERE ${column} > ? ORDER BY ${column} LIMIT ?`)
    : table.statement(`SELECT rowid FROM ${table.q} ORDER BY ${column} LIMIT ?`);
  const params: (Buffer | number)[] = checkpoint
    ? [lowerBound([checkpoint.lwt, checkpoint.id]), limit]
    : [limit];
  return table.docsByRowids(stmt.pluck().all(...params) as number[]) as RxDocumentData<T>[];
}
