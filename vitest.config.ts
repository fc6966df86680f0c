import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The terminal SDK resolves to its sources (tsconfig.base.json `paths`), never a node_modules link.
  resolve: { alias: { '@outpost/terminal-sdk': resolve('packages/terminal-sdk/src/index.ts') } },
  test: {
    include: ['{protocol,native,src-main,server,test,src-renderer,src-admin,packages,examples}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
