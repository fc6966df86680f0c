import { Worker } from 'node:worker_threads';
import { BundleError, type BundleEnvelope } from '../../protocol/bundle';
import { pushOpenThreads } from '../config';
import { DeviceKeyError } from './device-keys';
import type { PreparedBundle } from './prepare';
import type { OpenReply, OpenTask } from './open-worker';
import type { StoredIssuerKey } from './qr-verifier';

/**
 * Opening a bundle (signature, HPKE, payload schema, the chain's canonical JSON + SHA-256 of every
 * sale, sale rules) was most of a push's CPU time on the server's one event loop, and it needs no
 * database. A few threads do it, so the event loop is left with HTTP and SQL. One pool per process,
 * shared by every push service in it (tests start several servers), started at the first push.
 *
 * Size: `pushOpenThreads()` (server/config.ts: OUTPOST_PUSH_OPEN_THREADS, else one fewer than the
 * cores). 0 opens on the event loop itself, as before the pool.
 */

type Opened = Omit<PreparedBundle, 'envelope'>;
interface Pending {
  resolve(opened: Opened): void;
  reject(err: Error): void;
}
interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

const WORKER_URL = new URL(
  `./open-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/**
 * A worker thread does not inherit tsx's loader (run from TypeScript, as `npm run server` and
 * Vitest do): it registers it first. Compiled to JavaScript, the worker file loads as it is.
 */
function startWorker(): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(code, { eval: true });
}

function replyError(reply: Extract<OpenReply, { ok: false }>): Error {
  const e = reply.error;
  if (e.kind === 'bundle') return new BundleError(e.code, e.message, e.details);
  if (e.kind === 'device-key') return new DeviceKeyError(e.message);
  const err = new Error(`bundle open thread: ${e.message}`);
  if (e.stack) err.stack = e.stack;
  return err;
}

class OpenPool {
  private readonly threads: Thread[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  open(
    envelope: BundleEnvelope,
    pem: string,
    serverPrivateKey: Uint8Array,
    issuerKeys?: StoredIssuerKey[],
  ): Promise<Opened> {
    const thread = this.pick();
    const id = this.nextId++;
    const task: OpenTask = { id, envelope, pem, serverPrivateKey, ...(issuerKeys ? { issuerKeys } : {}) };
    return new Promise<Opened>((resolve, reject) => {
      // A thread with work keeps the process alive until it answers; an idle one does not.
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage(task);
    });
  }

  /** The least busy thread; a new one while the pool is below its size. */
  private pick(): Thread {
    let best: Thread | undefined;
    for (const t of this.threads) if (!best || t.pending.size < best.pending.size) best = t;
    if (best && (best.pending.size === 0 || this.threads.length >= this.size)) return best;
    return this.spawn();
  }

  private spawn(): Thread {
    const thread: Thread = { worker: startWorker(), pending: new Map() };
    const fail = (err: Error) => {
      const i = this.threads.indexOf(thread);
      if (i >= 0) this.threads.splice(i, 1);
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
    };
    thread.worker.on('message', (reply: OpenReply) => {
      const p = thread.pending.get(reply.id);
      if (!p) return;
      thread.pending.delete(reply.id);
      if (thread.pending.size === 0) thread.worker.unref();
      if (reply.ok) p.resolve(reply.prepared);
      else p.reject(replyError(reply));
    });
    thread.worker.on('error', (err) => fail(new Error('bundle open thread failed', { cause: err })));
    thread.worker.on('exit', (code) => fail(new Error(`bundle open thread exited with code ${code}`)));
    // Idle threads must not keep a process alive that has nothing else to do (CLIs, tests). After
    // the listeners: adding a 'message' listener refs the worker again.
    thread.worker.unref();
    this.threads.push(thread);
    return thread;
  }
}

/** undefined until the first push reads the size: the environment is parsed once, not per push. */
let shared: OpenPool | null | undefined;

/** The process's pool, or null when OUTPOST_PUSH_OPEN_THREADS is 0. */
export function openPool(): OpenPool | null {
  if (shared === undefined) {
    const size = pushOpenThreads();
    shared = size === 0 ? null : new OpenPool(size);
  }
  return shared;
}
