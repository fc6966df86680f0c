/**
 * The child of `npm run bench -- store` that measures a fresh process's first open: the app's
 * start (keytar loaded for the device identity, then the database opened and today's query run).
 * bench/store.ts runs it bundled the way electron-vite builds the app's main process, and under tsx.
 */
import { KeytarKeyStore } from '../../native/index';
import { openAppDatabase } from '../../src-main/core/store/database';
import { TERMINALS, todayQuery } from './today-query';

export const FIRST_OPEN_ENV = 'BENCH_STORE_FIRST_OPEN';

interface Spec {
  dataDir: string;
  service: string;
  name: string;
  rep: number;
}

async function firstOpen(spec: Spec) {
  const keyStore = new KeytarKeyStore({ service: spec.service });
  // keytar's native module is loaded at app start for the device identity before the database opens.
  await keyStore.get('bench-warm-up');
  const start = performance.now();
  const app = await openAppDatabase({ dataDir: spec.dataDir, keyStore, name: spec.name, validate: false });
  const opened = performance.now();
  const rows = (await app.rx.sales.find(todayQuery(spec.rep % TERMINALS, 100 + spec.rep)).exec()).length;
  const end = performance.now();
  await app.close();
  if (rows === 0) throw new Error('no sales found');
  console.log(`FIRST_OPEN_MS=${end - start} OPEN_MS=${opened - start} QUERY_MS=${end - opened}`);
}

const spec = process.env[FIRST_OPEN_ENV];
if (spec) await firstOpen(JSON.parse(spec) as Spec);
