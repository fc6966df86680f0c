import { getQueryMatcher, getSortComparator } from 'rxdb';
import type { PreparedQuery, RxDocumentData, RxJsonSchema, RxStorageDefaultCheckpoint } from 'rxdb';
import { changesIndexFields, indexKey } from './indexes';
import type { RawDocRow, Table } from './table';

interface RangeSql {
  where: string;
  params: Buffer[];
  column: string;
  /** Key of this range's count in the count cache, made on first use. */
  countKey?: string;
}

/**
 * The plan's bounds as a range on the index column: RxDB's own bound strings (the column's builders
 * in indexes.ts equal getStartIndexStringFrom*Bound), encoded like the keys.
 */
function rangeFromPlan<T>(table: Table, query: PreparedQuery<T>): RangeSql {
  const known = table.ranges.get(query);
  if (known) return known;
  const plan = query.queryPlan;
  const { column, lowerBound, upperBound } = table.column(indexKey(plan.index));
  const lower = lowerBound(plan.startKeys);
  const upper = upperBound(plan.endKeys);
  const range: RangeSql = {
    where: `${column} ${plan.inclusiveStart ? '>=' : '>'} ? AND ${column} ${plan.inclusiveEnd ? '<=' : '<'} ?`,
    params: [lower, upper],
    column,
  };
  table.ranges.set(query, range);
  return range;
}

export interface QuerySql {
  sql: string;
  params: (Buffer | number)[];
  /** How the rows are finished in JS. */
  matchInJs: boolean;
  sortInJs: boolean;
}

/**
 * SQL for a query, following RxDB's plan: the index range always comes from SQLite; the JS
 * matcher runs only when the selector is not fully expressed by the range, the JS sort only when
 * the index order is not the requested order, and skip/limit go to SQL when neither is needed.
 */
export function querySql<T>(table: Table, schema: RxJsonSchema<RxDocumentData<T>>, query: PreparedQuery<T>) {
  const plan = query.queryPlan;
  const range = rangeFromPlan(table, query);
  const matchInJs = !plan.selectorSatisfiedByIndex;
  const sortInJs = !plan.sortSatisfiedByIndex;
  // Without the JS matcher only rowids are read, from the index alone (covering): documents then
  // come from the cache, and those not in it from one read by rowid. The matcher needs every row
  // of the range as a document, so then the row's data comes along.
  let sql = `SELECT ${matchInJs ? 'rowid, data' : 'rowid'} FROM ${table.q} WHERE ${range.where}`;
  const params: (Buffer | number)[] = [...range.params];
  if (!sortInJs) sql += ` ORDER BY ${range.column}`;
  if (!matchInJs && !sortInJs) {
    const skip = query.query.skip ?? 0;
    const limit = typeof query.query.limit === 'number' ? query.query.limit : -1;
    if (limit >= 0 || skip > 0) {
      sql += ' LIMIT ? OFFSET ?';
      params.push(limit, skip);
    }
  }
  const result: QuerySql = { sql, params, matchInJs, sortInJs };
  return result;
}

export function countSql<T>(table: Table, schema: RxJsonSchema<RxDocumentData<T>>, query: PreparedQuery<T>) {
  const range = rangeFromPlan(table, query);
  const sql = `SELECT count(*) FROM ${table.q} WHERE ${range.where}`;
  range.countKey ??= `${sql}\u0000${range.params.map((p) => p.toString('hex')).join(',')}`;
  return { sql, params: range.params, key: range.countKey };
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
  const { sql, params, matchInJs, sortInJs } = querySql(table, schema, query);

  if (!matchInJs) {
    const rowids = table
      .statement(sql)
      .pluck()
      .all(...params) as number[];
    let docs = (
      missesOver(table, rowids, ROWS_IN_ONE_PASS)
        ? (
            table
              .statement(sql.replace('SELECT rowid', 'SELECT rowid, data'))
              .raw()
              .all(...params) as RawDocRow[]
          ).map(([rowid, json]) => table.docOfRow(rowid, json))
        : table.docsByRowids(rowids)
    ) as RxDocumentData<T>[];
    if (sortInJs) {
      docs.sort(getSortComparator(schema, query.query));
      if (skip > 0 || docs.length > skip + limit) docs = docs.slice(skip, skip + limit);
    }
    return docs;
  }

  const stmt = table.statement(sql).raw();
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
 * that read thousands of documents for two fields each. Absent and null both read as undefined. Queries needing the JS matcher or sort go
 * through runQuery.
 */
export function runQueryFields<T>(
  table: Table,
  schema: RxJsonSchema<RxDocumentData<T>>,
  query: PreparedQuery<T>,
  fields: readonly string[],
): { doc: RxDocumentData<T> | undefined; values: unknown[] }[] {
  // json_extract reads an absent field and a JSON null alike (SQL NULL): both are undefined here.
  const pick = (doc: RxDocumentData<T>) => ({
    doc,
    values: fields.map((f) => (doc as Record<string, unknown>)[f] ?? undefined),
  });
  const { sql, params, matchInJs, sortInJs } = querySql(table, schema, query);
  if (matchInJs || sortInJs) return runQuery(table, schema, query).map(pick);
  if (query.query.limit === 0) return [];
  const rowids = table
    .statement(sql)
    .pluck()
    .all(...params) as number[];
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
    for (const [rowid, ...values] of table.fieldsByRowids(fields).all(wanted) as [number, ...unknown[]][]) {
      read.set(
        rowid,
        values.map((v) => v ?? undefined),
      );
    }
    for (const i of missing) out[i] = { doc: undefined, values: read.get(rowids[i]!) ?? [] };
  }
  return out;
}

export function runCount<T>(
  table: Table,
  schema: RxJsonSchema<RxDocumentData<T>>,
  query: PreparedQuery<T>,
): number {
  if (query.queryPlan.selectorSatisfiedByIndex) {
    const { sql, params, key } = countSql(table, schema, query);
    const cached = table.cache.getCount(key);
    if (cached !== undefined) return cached;
    const count = table
      .statement(sql)
      .pluck()
      .get(...params) as number;
    table.cache.setCount(key, count);
    return count;
  }
  // Same answer as query() without skip/limit, as RxDB requires, but without building the array.
  // Not cached: the key would have to be the whole selector, and RxDB refuses slow counts anyway.
  const { sql, params } = querySql(table, schema, query);
  const matcher = getQueryMatcher(schema, query.query);
  let count = 0;
  for (const [rowid, json] of table
    .statement(sql)
    .raw()
    .iterate(...params) as IterableIterator<RawDocRow>) {
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
