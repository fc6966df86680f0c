import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    // Library-mode builds keep process.env.NODE_ENV as is; the packaged app is production (the store
    // then skips RxDB's ajv validation: every input was already checked by the zod contract).
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    // The terminal SDK is bundled from its sources (tsconfig.base.json `paths`), not node_modules.
    resolve: { alias: { '@outpost/terminal-sdk': resolve('packages/terminal-sdk/src/index.ts') } },
    build: {
      outDir: 'out/main',
      rolldownOptions: { input: { index: resolve('src-main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads cannot load ES modules or node_modules: one self-contained CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src-main/shell/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rolldownOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});
