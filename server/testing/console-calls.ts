import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROLES, ROUTES, type Role, type RouteName, type RouteSpec } from '../../protocol/http';

/**
 * What the back office's code calls, read from its source (issue #19): the role matrix and the
 * error-code coverage tests check the console against the route table with it, so a page added
 * later is covered without anyone listing its routes by hand.
 */

export const ADMIN_DIR = fileURLToPath(new URL('../../src-admin/', import.meta.url));

const ROUTE_LIST = Object.entries(ROUTES) as [RouteName, RouteSpec][];

/** Who may call a route, as roles (public: every role; `operator`: the ops role or the metrics token). */
export function allowedRoles(spec: RouteSpec): readonly Role[] {
  if (Array.isArray(spec.auth)) return spec.auth as readonly Role[];
  if (spec.auth === 'public') return ROLES;
  if (spec.auth === 'operator') return ['ops'];
  return [];
}

/** `file` and every src-admin file it reaches by relative imports (not protocol/, not packages). */
export function importClosure(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const base = resolve(dirname(file), m[1]!);
    const found = ['.tsx', '.ts', '/index.ts'].map((ext) => base + ext).find((f) => existsSync(f));
    if (found && !relative(ADMIN_DIR, found).startsWith('..')) importClosure(found, seen);
  }
  return [...seen];
}

export interface ConsoleCall {
  route: RouteName;
  file: string;
}

const PATH_START = /['`]\/(?:offline|console|auth|api|health|metrics)\b/g;

/**
 * The path of a string or template literal starting at `at` (its opening quote), up to its query:
 * each `${…}` becomes `:x` (a parameter).
 */
function literalPath(text: string, at: number): string {
  let out = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '{') {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === '{') depth++;
        else if (text[i] === '}' && --depth === 0) break;
      }
      out += ':x';
    } else if ('?\'`"'.includes(c)) break;
    else out += c;
  }
  return out;
}

function matches(pattern: string, path: string): boolean {
  const a = pattern.split('/');
  const b = path.split('/');
  return a.length === b.length && a.every((seg, i) => (seg.startsWith(':') ? b[i] !== '' : seg === b[i]));
}

/**
 * The routes `files` call: each literal path, with the method of the api() call it is the argument
 * of (`api('POST', '/offline/…')`), else GET (a list loaded with useList, a download link).
 * `unknown` lists literal paths no route of the table answers.
 */
export function callsIn(files: readonly string[]): { calls: ConsoleCall[]; unknown: string[] } {
  const calls: ConsoleCall[] = [];
  const unknown: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(PATH_START)) {
      const path = literalPath(text, m.index);
      const method =
        /'(GET|POST|DELETE)',\s*$/.exec(text.slice(Math.max(0, m.index - 40), m.index))?.[1] ?? 'GET';
      const found = ROUTE_LIST.find(([, spec]) => spec.method === method && matches(spec.path, path));
      if (found) calls.push({ route: found[0], file: relative(ADMIN_DIR, file) });
      else unknown.push(`${method} ${path} (${relative(ADMIN_DIR, file)})`);
    }
  }
  return { calls, unknown };
}

export interface PageEntry {
  route: string;
  roles: readonly Role[] | 'everyone';
  /** The page's component file and everything it imports inside src-admin. */
  files: string[];
}

/** The console's pages as src-admin/pages.ts lists them (read as text: it is browser code). */
export function consolePages(): PageEntry[] {
  const file = join(ADMIN_DIR, 'pages.ts');
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import \{ (\w+) \} from '(\.\/pages\/[^']+)'/g))
    imports.set(m[1]!, resolve(ADMIN_DIR, `${m[2]!}.tsx`));
  const pages: PageEntry[] = [];
  for (const m of text.matchAll(/\{ route: '(\w+)', Page: (\w+), roles: ([^}]+?) \}/g)) {
    const roles = m[3]!.trim();
    let parsed: PageEntry['roles'];
    if (roles === "'everyone'") parsed = 'everyone';
    else if (/^\[('\w+'(, )?)*\]$/.test(roles))
      parsed = [...roles.matchAll(/'(\w+)'/g)].map((r) => r[1] as Role);
    else throw new Error(`pages.ts: the roles of ${m[1]} are not a list this test reads: ${roles}`);
    const component = imports.get(m[2]!);
    if (!component) throw new Error(`pages.ts: no import of ${m[2]}`);
    pages.push({ route: m[1]!, roles: parsed, files: importClosure(component) });
  }
  return pages;
}
