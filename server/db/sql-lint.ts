import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { COUNTED_TABLES } from './change-counters';
import { COORDINATOR_TABLES, DEVICE_TABLES, DISTRIBUTION_COLUMN, REFERENCE_TABLES } from './citus-layout';
import { splitSqlStatements, stripComments } from './sql-statements';

/**
 * A lint over the SQL the server sends, for PostgreSQL distributed by device id (Citus; issue #23
 * item 3, docs/scaling.md "The Citus layout"). No SQL parser is installed, so this is a matcher on
 * the statement text with comments stripped and quoted text blanked; what it checks, and what it
 * cannot see, is listed in that doc. Rules:
 * - `routing`: a DML statement on a device table names device_id (`device_id =`, `= x.device_id`,
 *   `device_id IN`/`= ANY`, or device_id in an INSERT's column list), so it runs on one shard;
 * - `volatile-on-conflict`: no non-immutable function in `ON CONFLICT … DO UPDATE` (Citus refuses);
 * - `volatile-case`: none inside CASE or coalesce(…) in an UPDATE's SET (Citus refuses);
 * - `claim`: a `FOR UPDATE SKIP LOCKED` on a device table names device_id;
 * - `volatile`: no volatile function (`random()`, `nextval()`, `pg_current_xact_id()`,
 *   `clock_timestamp()`, …) anywhere in an UPDATE, a DELETE or an `INSERT … ON CONFLICT` of a
 *   distributed or reference table (Citus refuses them; `now()` is stable and stays allowed
 *   outside CASE/coalesce);
 * - `change-seq`: every INSERT or UPDATE of a pull-counted table (server/db/change-counters.ts)
 *   sets change_seq, upserts in their DO UPDATE too: no trigger numbers a change any more.
 * A statement that must read across devices (an operator's report) carries the comment
 * `citus: multi-shard` in its SQL, with why; the routing and claim rules then skip it.
 */
export type LintRule =
  'routing' | 'volatile-on-conflict' | 'volatile-case' | 'claim' | 'volatile' | 'change-seq';

export interface LintFinding {
  where: string;
  rule: LintRule;
  statement: string;
}

const MULTI_SHARD = /citus:\s*multi-shard/i;
const NON_IMMUTABLE =
  /\b(now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|pg_current_xact_id|txid_current|random|gen_random_uuid|nextval|currval|setval)\s*\(|\b(current_timestamp|current_date|current_time|localtimestamp|localtime)\b/i;
/** Volatile (not merely stable) functions: Citus refuses them in any modification it routes. */
const VOLATILE =
  /\b(clock_timestamp|timeofday|pg_current_xact_id|pg_current_xact_id_if_assigned|txid_current|txid_current_if_assigned|random|random_normal|setseed|gen_random_uuid|uuid_generate_v[14]|nextval|currval|lastval|setval|pg_sleep)\s*\(/i;
const DML = /^\s*(\(\s*)?(select|insert|update|delete|with)\b/i;

const device = new Set<string>(DEVICE_TABLES);
const counted = new Set<string>(COUNTED_TABLES);
const coordinator = new Set<string>(Object.keys(COORDINATOR_TABLES));
const known = new Set<string>([...DEVICE_TABLES, ...REFERENCE_TABLES, ...coordinator]);

/** The schema's tables a statement reads or writes (after FROM, JOIN, UPDATE, INTO, USING). */
export function tablesOf(sql: string): string[] {
  const found = new Set<string>();
  for (const m of sql.matchAll(/\b(?:from|join|update|into|using)\s+(?:only\s+)?([a-z_][a-z0-9_]*)/gi)) {
    const name = m[1]!.toLowerCase();
    if (known.has(name)) found.add(name);
  }
  return [...found];
}

/** The text with quoted literals emptied, so words inside them are not read as SQL. */
function blankLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "''");
}

function namesDeviceId(sql: string): boolean {
  const c = DISTRIBUTION_COLUMN;
  const col = `(?:\\w+\\.)?${c}`;
  return (
    new RegExp(`\\b${col}\\s*(?:=|\\bin\\b|is\\s+not\\s+distinct)`, 'i').test(sql) ||
    new RegExp(`=\\s*${col}\\b`, 'i').test(sql) ||
    new RegExp(`\\binsert\\s+into\\s+\\w+(?:\\s+as\\s+\\w+)?\\s*\\([^)]*\\b${c}\\b`, 'i').test(sql) ||
    new RegExp(`\\busing\\s*\\([^)]*\\b${c}\\b`, 'i').test(sql)
  );
}

/** The balanced-parenthesis text from `open` (an index of '('). */
function balanced(sql: string, open: number): string {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return sql.slice(open, i + 1);
  }
  return sql.slice(open);
}

/** The SET clauses of the UPDATEs in a statement (CTEs included), up to WHERE/FROM/RETURNING. */
function setClauses(sql: string): string[] {
  const out: string[] = [];
  for (const m of sql.matchAll(/\bupdate\s+(?:only\s+)?\w+(?:\s+(?:as\s+)?\w+)?\s+set\b/gi)) {
    const rest = sql.slice(m.index + m[0].length);
    const end = rest.search(/\b(where|from|returning)\b|\)\s*,\s*\w+\s+as\s*\(|$/i);
    out.push(rest.slice(0, end));
  }
  const onConflict = /\bon\s+conflict\b[\s\S]*?\bdo\s+update\s+set\b([\s\S]*?)(?:\breturning\b|$)/i.exec(sql);
  if (onConflict) out.push(onConflict[1]!);
  return out;
}

function volatileInCaseOrCoalesce(clause: string): boolean {
  for (const m of clause.matchAll(/\bcoalesce\s*\(/gi)) {
    if (NON_IMMUTABLE.test(balanced(clause, m.index + m[0].length - 1))) return true;
  }
  for (const m of clause.matchAll(/\bcase\b([\s\S]*?)\bend\b/gi)) if (NON_IMMUTABLE.test(m[1]!)) return true;
  return false;
}

/** The tables a statement modifies: UPDATE and DELETE targets, and INSERT targets when it has ON CONFLICT. */
function modifiedTables(sql: string): string[] {
  const out = [...sql.matchAll(/\b(?:update|delete\s+from)\s+(?:only\s+)?([a-z_][a-z0-9_]*)/gi)].map(
    (m) => m[1]!,
  );
  if (/\bon\s+conflict\b/i.test(sql))
    out.push(...[...sql.matchAll(/\binsert\s+into\s+([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!));
  return out.map((t) => t.toLowerCase()).filter((t) => known.has(t));
}

/** Whether every INSERT and UPDATE of a counted table in the statement sets change_seq. */
function setsChangeSeq(sql: string): boolean {
  const CHANGE_SEQ = /\bchange_seq\b/i;
  for (const m of sql.matchAll(/\binsert\s+into\s+([a-z_][a-z0-9_]*)(?:\s+as\s+\w+)?\s*(\()?/gi)) {
    if (!counted.has(m[1]!.toLowerCase())) continue;
    // No column list: change_seq cannot be told apart from its neighbours, so it is not "set".
    if (!m[2] || !CHANGE_SEQ.test(balanced(sql, m.index + m[0].length - 1))) return false;
    // Its own ON CONFLICT … DO UPDATE (up to the next modification) numbers the update too.
    const rest = sql.slice(m.index + m[0].length);
    const next = rest.search(
      /\b(?:insert\s+into|delete\s+from)\b|\bupdate\s+(?:only\s+)?\w+(?:\s+(?:as\s+)?\w+)?\s+set\b/i,
    );
    const own = next < 0 ? rest : rest.slice(0, next);
    const upsert = /\bon\s+conflict\b[\s\S]*?\bdo\s+update\s+set\b([\s\S]*)/i.exec(own);
    if (upsert && !/\bchange_seq\s*=/i.test(upsert[1]!)) return false;
  }
  for (const m of sql.matchAll(/\bupdate\s+(?:only\s+)?([a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?\w+)?\s+set\b/gi)) {
    if (!counted.has(m[1]!.toLowerCase())) continue;
    const rest = sql.slice(m.index + m[0].length);
    const end = rest.search(/\b(where|from|returning)\b|\)\s*,\s*\w+\s+as\s*\(|$/i);
    if (!/\bchange_seq\s*=/i.test(rest.slice(0, end))) return false;
  }
  return true;
}

/** The findings for one statement. */
export function lintStatement(statement: string, where: string): LintFinding[] {
  const sql = blankLiterals(stripComments(statement));
  if (!DML.test(sql)) return [];
  const findings: LintFinding[] = [];
  const add = (rule: LintRule) => findings.push({ where, rule, statement: statement.trim() });
  const tables = tablesOf(sql);
  const onDevice = tables.some((t) => device.has(t));
  const distributed = tables.some((t) => !coordinator.has(t));
  const multiShard = MULTI_SHARD.test(statement);
  if (onDevice && !multiShard && !namesDeviceId(sql)) add('routing');
  if (onDevice && !multiShard && /\bskip\s+locked\b/i.test(sql) && !namesDeviceId(sql)) add('claim');
  const conflict = /\bon\s+conflict\b[\s\S]*?\bdo\s+update\s+set\b([\s\S]*?)(?:\breturning\b|$)/i.exec(sql);
  if (distributed && conflict && NON_IMMUTABLE.test(conflict[1]!)) add('volatile-on-conflict');
  if (distributed && setClauses(sql).some(volatileInCaseOrCoalesce)) add('volatile-case');
  if (modifiedTables(sql).some((t) => !coordinator.has(t)) && VOLATILE.test(sql)) add('volatile');
  if (!setsChangeSeq(sql)) add('change-seq');
  return findings;
}

/** Every statement of a SQL text (a migration section, a function body), and of the bodies it defines. */
export function lintSql(sql: string, where: string, functionBody = false): LintFinding[] {
  return splitSqlStatements(sql).flatMap((s) => {
    if (/^\s*create\s+(?:or\s+replace\s+)?function\b/i.test(stripComments(s))) {
      const body = /(\$[A-Za-z_]\w*\$|\$\$)([\s\S]*?)\1/.exec(s);
      return body ? lintSql(body[2]!, where, true) : [];
    }
    if (!functionBody) return lintStatement(s, where);
    // plpgsql: a statement follows DECLARE, BEGIN, IF … THEN, RETURN QUERY, LOOP, …
    const text = stripComments(s);
    const dml = /\b(select|insert|update|delete|with)\b/i.exec(text);
    const mark = MULTI_SHARD.test(s) ? '/* citus: multi-shard */ ' : '';
    return dml ? lintStatement(mark + text.slice(dml.index), where) : [];
  });
}

/**
 * The SQL strings of a TypeScript file: string and template literals that begin with a DML
 * keyword in capitals (the project's style for SQL), `${…}` read as an opaque value.
 */
export function sqlStringsOf(file: string): { line: number; sql: string }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: { line: number; sql: string }[] = [];
  const visit = (node: ts.Node) => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) {
      text = node.head.text + node.templateSpans.map((s) => ` __expr__ ${s.literal.text}`).join('');
    }
    if (
      text !== undefined &&
      /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(SELECT|INSERT|UPDATE|DELETE|WITH)\s/.test(text)
    ) {
      out.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, sql: text });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}
