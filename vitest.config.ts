import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,native,src-main,server,test,src-renderer,src-admin}/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
