import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpErrorCode, ROUTES, TrustErrorCode } from '../../protocol/http';
import { en } from '../../src-admin/i18n/en';
import { fr } from '../../src-admin/i18n/fr';
import { id } from '../../src-admin/i18n/id';
import { ADMIN_DIR, callsIn, importClosure } from '../testing/console-calls';

/**
 * Issue #19's acceptance: "every form shows the server's own error codes and messages in three
 * languages". Every code a route the console calls may answer (its `errors` in the route table, and
 * the generic ones any route may answer) has its words under `errors.<CODE>` in English, French
 * and Indonesian; ErrorNote shows them beside the code. The routes are read from the console's own
 * source (server/testing/console-calls.ts), so a page added later is covered too.
 */
const GENERIC = [...Object.values(HttpErrorCode), TrustErrorCode.TOO_MANY_REQUESTS, 'NETWORK'];

describe("the console's error texts", () => {
  const files = importClosure(join(ADMIN_DIR, 'App.tsx'));
  const { calls } = callsIn(files);
  const routes = [...new Set(calls.map((c) => c.route))];

  it('reads the console: its sign-in, pages and forms', () => {
    expect(routes).toEqual(
      expect.arrayContaining([
        'consoleSignIn',
        'setup',
        'listPeople',
        'revokeTill',
        'importCatalog',
        'verifyAudit',
      ]),
    );
  });

  it.each([
    ['en', en.errors],
    ['fr', fr.errors],
    ['id', id.errors],
  ] as const)('%s words every code those routes can answer', (_locale, errors) => {
    const codes = new Set([...GENERIC, ...routes.flatMap((r) => ROUTES[r].errors)]);
    const texts = errors as Readonly<Record<string, string>>;
    const missing = [...codes].filter((c) => typeof texts[c] !== 'string' || texts[c].trim() === '');
    expect(missing).toEqual([]);
  });
});
