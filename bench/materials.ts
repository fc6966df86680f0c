/**
 * Materials storage (issue #23 item 2): upload and download throughput of the database store
 * (chunked bytea rows, server/materials/blobs/database.ts) beside the directory store (files on this
 * machine's disk, its peer) in the same run, through the same MaterialBlobs calls the routes and the
 * encryption job make. On real PostgreSQL, 256 KiB chunks (ours) and 1 MiB chunks; on the embedded
 * database (PGlite), one upload and read of BENCH_MATERIALS_PGLITE_MIB, to decide what `npm start`
 * keeps (docs/scaling.md "Materials storage"). Medians of BENCH_MATERIALS_ROUNDS; MiB/s.
 *
 *   npm run bench -- materials        (writes bench/results/materials.json)
 * Env: BENCH_MATERIALS_MIB (64), BENCH_MATERIALS_ROUNDS (3), BENCH_MATERIALS_PGLITE_MIB (50).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { startEmbeddedDatabase } from '../server/db/embedded';
import { migrate } from '../server/db/migrate';
import { createPool } from '../server/db/pool';
import { CHUNK_BYTES, databaseBlobs } from '../server/materials/blobs/database';
import { directoryBlobs } from '../server/materials/blobs/directory';
import type { MaterialBlobs } from '../server/materials/blobs/types';
import { startCluster } from '../test/pg/cluster';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.BENCH_MATERIALS_MIB ?? 64);
const ROUNDS = Number(process.env.BENCH_MATERIALS_ROUNDS ?? 3);
const PGLITE_MIB = Number(process.env.BENCH_MATERIALS_PGLITE_MIB ?? 50);
/** What an HTTP request body arrives in, roughly. */
const PIECE = 64 * 1024;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** One upload (stream in, commit) and one whole read of it, in MiB/s. */
async function once(blobs: MaterialBlobs, bytes: Buffer) {
  const id = randomUUID();
  const pieces = function* () {
    for (let at = 0; at < bytes.length; at += PIECE) yield bytes.subarray(at, at + PIECE);
  };
  let t = process.hrtime.bigint();
  const pending = await blobs.receiveUpload(id);
  await pipeline(Readable.from(pieces()), pending.stream);
  await pending.commit();
  const upload = bytes.length / MIB / seconds(t);
  t = process.hrtime.bigint();
  let read = 0;
  await pipeline(
    await blobs.openUpload(id),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        read += chunk.length;
        done();
      },
    }),
  );
  const download = bytes.length / MIB / seconds(t);
  if (read !== bytes.length) throw new Error(`read ${read} of ${bytes.length} bytes`);
  await blobs.deleteUpload(id);
  return { upload, download };
}

async function measure(name: string, blobs: MaterialBlobs, mib: number, rounds: number) {
  const bytes = randomBytes(mib * MIB);
  const runs = [];
  for (let r = 0; r < rounds; r++) runs.push(await once(blobs, bytes));
  const figure = {
    store: name,
    mib,
    rounds,
    upload_mib_s: Number(median(runs.map((x) => x.upload)).toFixed(1)),
    download_mib_s: Number(median(runs.map((x) => x.download)).toFixed(1)),
  };
  console.log(JSON.stringify(figure));
  return figure;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-materials-'));
  const cluster = await startCluster();
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_materials');
    await admin.end();
    const url = new URL(cluster.url);
    url.pathname = '/bench_materials';
    const pool = createPool(url.toString(), { max: 4 });
    await migrate(pool);
    const postgresql = [];
    try {
      // Alternated, so a slower stretch of the shared machine falls on every store alike.
      for (let r = 0; r < ROUNDS; r++) {
        postgresql.push(await measure('directory', directoryBlobs(join(dir, 'files')), SIZE_MIB, 1));
        postgresql.push(
          await measure(`database ${CHUNK_BYTES / 1024} KiB`, databaseBlobs(pool), SIZE_MIB, 1),
        );
        postgresql.push(await measure('database 1024 KiB', databaseBlobs(pool, MIB), SIZE_MIB, 1));
      }
    } finally {
      await pool.end();
    }
    const byStore = new Map<string, { up: number[]; down: number[] }>();
    for (const f of postgresql) {
      const e = byStore.get(f.store) ?? { up: [], down: [] };
      e.up.push(f.upload_mib_s);
      e.down.push(f.download_mib_s);
      byStore.set(f.store, e);
    }
    const medians = Object.fromEntries(
      [...byStore].map(([store, e]) => [
        store,
        { upload_mib_s: median(e.up), download_mib_s: median(e.down) },
      ]),
    );
    const ours = medians[`database ${CHUNK_BYTES / 1024} KiB`]!;
    const peer = medians.directory!;

    const embedded = await startEmbeddedDatabase(join(dir, 'pglite'));
    const epool = createPool(embedded, { max: 2 });
    let pglite;
    try {
      await migrate(epool);
      pglite = {
        database: await measure('pglite database', databaseBlobs(epool), PGLITE_MIB, 1),
        directory: await measure(
          'pglite directory',
          directoryBlobs(join(dir, 'files-pglite')),
          PGLITE_MIB,
          1,
        ),
      };
    } finally {
      await epool.end();
      await embedded.stop();
    }
    const result = {
      size_mib: SIZE_MIB,
      rounds: ROUNDS,
      postgresql: medians,
      ratio_database_to_directory: {
        upload: Number((ours.upload_mib_s / peer.upload_mib_s).toFixed(2)),
        download: Number((ours.download_mib_s / peer.download_mib_s).toFixed(2)),
      },
      pglite,
    };
    console.log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
