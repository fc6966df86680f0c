import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The back office (issue #19): a browser app the server serves at /admin (server/console/site.ts)
 * under a strict CSP, so the build emits no inline script or style.
 */
export default defineConfig({
  root: resolve('src-admin'),
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: resolve('out/admin'),
    emptyOutDir: true,
    // Vite's modulepreload polyfill is a module of the bundle, never inline; no asset is inlined as
    // a data: URL script either.
    assetsInlineLimit: 0,
  },
});
