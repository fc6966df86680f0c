import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The core and the terminal SDK call server routes by name through callRoute
 * (packages/terminal-sdk/src/net/route-client.ts): `npm run lint` refuses a hand-written server path,
 * or the raw request function, anywhere else in src-main or the SDK (#17).
 */
const eslint = new ESLint({ cwd: resolve(import.meta.dirname, '..') });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(import.meta.dirname, '..', file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

describe('server paths in src-main (npm run lint)', () => {
  it('refuses a hand-written /api/, /offline/ or /auth/ path, as a string or a template', async () => {
    for (const code of [
      "export const path = '/api/v1/offline/materials';\n",
      'export const path = (id: string) => `/api/v1/offline/licenses/${id}/renew`;\n',
      "export const path = '/offline/push';\n",
      "export const path = '/auth/sign-in';\n",
    ]) {
      for (const file of ['src-main/core/sync/example.ts', 'packages/terminal-sdk/src/sync/example.ts'])
        expect(await problems(file, code)).toEqual([
          expect.stringMatching(/^no-restricted-syntax: .*callRoute/),
        ]);
    }
  });

  it('refuses serverRequest outside the route client', async () => {
    const code =
      "import { serverRequest } from '../net/server-client';\nexport const call = serverRequest;\n";
    expect(await problems('src-main/core/pos/example.ts', code)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*callRoute/),
    ]);
    expect(await problems('packages/terminal-sdk/src/sync/example.ts', code)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*callRoute/),
    ]);
    expect(
      await problems('packages/terminal-sdk/src/net/route-client.ts', code.replace('../net/', './')),
    ).toEqual([]);
  });

  it('accepts the same path in a test and outside src-main', async () => {
    const code = "export const path = '/offline/push';\n";
    expect(await problems('src-main/core/sync/example.test.ts', code)).toEqual([]);
    expect(await problems('server/routes/example.ts', code)).toEqual([]);
  });
});
