import type { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { BundleError, type BundleEnvelope } from '../../protocol/bundle';
import { DeviceKeyError, devicePublicKey as devicePublicKeyFor } from './device-keys';
import { openForServer } from './open';
import { prepareBundle, type PreparedBundle } from './prepare';
import type { StoredIssuerKey } from './qr-verifier';

/**
 * A thread of the open pool (open-pool.ts): the CPU work of a push that needs no database, i.e.
 * the device signature, HPKE open, the payload schema, the chain's hashing, the sale rules and
 * the Ed25519 signatures of its customers' payment QRs.
 */

export interface OpenTask {
  id: number;
  envelope: BundleEnvelope;
  /** The device's public key as stored (PEM), read by the caller. */
  pem: string;
  /** The server's raw X25519 private key. */
  serverPrivateKey: Uint8Array;
  /** The QR issuer keys as the push last read them: its QR tenders are verified here too. */
  issuerKeys?: StoredIssuerKey[];
}

export type OpenReply =
  | {
      id: number;
      ok: true;
      /** Figures and column arrays, not the parsed sales: see prepare.ts. */
      prepared: Omit<PreparedBundle, 'envelope'>;
    }
  | {
      id: number;
      ok: false;
      error:
        | { kind: 'bundle'; code: BundleError['code']; message: string; details?: Record<string, unknown> }
        | { kind: 'device-key'; message: string }
        | { kind: 'other'; message: string; stack?: string };
    };

// openWith caches the imported HPKE key by the identity of the key's bytes: keep one copy per key.
const serverKeys = new Map<string, Uint8Array>();

function serverKey(bytes: Uint8Array): Uint8Array {
  const id = Buffer.from(bytes).toString('base64');
  let key = serverKeys.get(id);
  if (!key) {
    if (serverKeys.size >= 16) serverKeys.clear();
    key = Uint8Array.from(bytes);
    serverKeys.set(id, key);
  }
  return key;
}

async function handle(task: OpenTask): Promise<OpenReply> {
  let devicePublicKey: KeyObject;
  try {
    devicePublicKey = devicePublicKeyFor(task.pem);
  } catch (err) {
    // devicePublicKey wraps every import failure in a DeviceKeyError whose message names it.
    const message = err instanceof DeviceKeyError ? err.message : String(err);
    return { id: task.id, ok: false, error: { kind: 'device-key', message } };
  }
  try {
    const opened = await openForServer(task.envelope, {
      devicePublicKey,
      serverPrivateKey: serverKey(task.serverPrivateKey),
    });
    const { envelope: _envelope, ...prepared } = prepareBundle(opened, task.issuerKeys);
    return { id: task.id, ok: true, prepared };
  } catch (err) {
    if (err instanceof BundleError)
      return {
        id: task.id,
        ok: false,
        error: {
          kind: 'bundle',
          code: err.code,
          message: err.message,
          ...(err.details ? { details: err.details } : {}),
        },
      };
    const e = err instanceof Error ? err : new Error(String(err));
    return {
      id: task.id,
      ok: false,
      error: { kind: 'other', message: e.message, ...(e.stack ? { stack: e.stack } : {}) },
    };
  }
}

parentPort?.on('message', (task: OpenTask) => {
  void handle(task).then((reply) => parentPort!.postMessage(reply));
});
