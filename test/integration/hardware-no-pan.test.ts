import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HardwareEvent, SaleSummary, ServerMessage } from '../../protocol/api';
import { generateHpkeKeyPair } from '../../protocol/hpke/keys';
import { createCore, type Core } from '../../src-main/core';
import { decodeDatabaseKey } from '../../src-main/core/store/key';
import { openWithKey } from '../../src-main/core/store/sqlite';
import { realKeychain, type RealKeychain } from '../../src-main/core/store/test-support';
import { startHost, type Host } from '../../src-main/host/host';
import { SN_POLICY } from '../support/sn-policy';

/**
 * After a card sale through the real core (keychain, encrypted store) driven over the browser
 * host's WebSocket, the card number swiped through the demo MagTek reader appears nowhere: not in
 * the decrypted database, the raw files of the data directory, the console output, or the frames.
 */
const PAN = '4111111111111111';
const needles = (text: string) => [Buffer.from(text, 'latin1'), Buffer.from(text, 'utf16le')];

let keychain: RealKeychain;
let core: Core | undefined;
let host: Host | undefined;
let dataDir: string;
const frames: string[] = [];
const output: string[] = [];
const restore: (() => void)[] = [];

/** Everything the process prints, whatever the logger: console methods and the raw streams. */
function captureOutput(): void {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      output.push(
        args
          .map((a) => (a instanceof Error ? `${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a)))
          .join(' '),
      );
      original.apply(console, args);
    };
    restore.push(() => (console[level] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
      return original(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

beforeAll(async () => {
  keychain = await realKeychain();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-nopan-'));
  const now = new Date().toISOString();
  // Enrolled as a till against a server that is not there: the sale is recorded offline.
  await writeFile(
    join(dataDir, 'enrollment.json'),
    JSON.stringify({
      enrollment: {
        state: 'enrolled',
        mode: 'pos',
        serverUrl: 'http://127.0.0.1:9',
        tenant: { type: 'merchant', id: 'shop-42' },
        country: 'SN',
        currency: 'XOF',
        userEmail: null,
        enrolledAt: now,
        lastCheckInAt: now,
      },
      server: { signingPublicKeyPem: 'unused', hpkePublicKey: generateHpkeKeyPair().publicKey },
      policy: SN_POLICY,
      serverClockOffsetMs: 0,
    }),
  );
  const rendererDir = join(dataDir, '..', `renderer-${randomUUID()}`);
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  captureOutput();
  core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:9',
    keyStore: keychain.keyStore,
  });
  host = await startHost({ handlers: core.handlers, rendererDir });
});

afterAll(async () => {
  await host?.close();
  await core?.close();
  for (const undo of restore.splice(0)) undo();
  await keychain?.cleanup();
});

/** A WebSocket client of the host that keeps every frame, both ways. */
async function connect(h: Host) {
  const ws = new WebSocket(`ws://127.0.0.1:${new URL(h.origin).port}/api?token=${h.token}`, {
    origin: h.origin,
  });
  const inbox: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer) => {
    frames.push(data.toString('latin1'));
    inbox.push(JSON.parse(data.toString()) as ServerMessage);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((r) => ws.once('open', () => r()));
  let id = 0;
  const send = (message: object) => {
    const text = JSON.stringify(message);
    frames.push(text);
    ws.send(text);
  };
  const next = async (pred: (m: ServerMessage) => boolean): Promise<ServerMessage> => {
    for (;;) {
      const found = inbox.find(pred);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const call = async <T>(method: string, input: unknown = {}): Promise<T> => {
    const callId = ++id;
    send({ type: 'call', id: callId, method, input });
    const answer = await next((m) => 'id' in m && m.id === callId);
    if (answer.type === 'error') throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
    if (answer.type !== 'result') throw new Error(`${method}: unexpected ${answer.type}`);
    return answer.value as T;
  };
  const subscribe = (topic: string) => {
    const subId = ++id;
    send({ type: 'subscribe', id: subId, topic, input: {} });
    return (pred: (item: unknown) => boolean) =>
      next((m) => m.type === 'item' && m.id === subId && pred(m.item)).then(
        (m) => (m as { item: unknown }).item,
      );
  };
  return { ws, call, subscribe };
}

describe('no full card number leaves native/ after a card sale', () => {
  it('is in no database row, data file, log line or WebSocket frame', async () => {
    const c = await connect(host!);
    await c.call('hardware.demo.set', { on: true });
    const events = c.subscribe('hardware.events');

    // A bad swipe first (its partial track holds digits of the same card), then the good one.
    const bad = await c.call<HardwareEvent>('hardware.demo.swipe', { card: 'bad-swipe' });
    expect(bad).toMatchObject({ type: 'bad-swipe', reason: 'NO_END_SENTINEL' });
    const card = await c.call<HardwareEvent>('hardware.demo.swipe', { card: 'visa' });
    if (card.type !== 'card') throw new Error(`expected a card, got ${card.type}`);
    expect(card).toMatchObject({ brand: 'visa', last4: '1111', expiry: '2028-12' });
    expect(await events((e) => (e as HardwareEvent).type === 'card')).toEqual(card);

    await c.call('pos.shift.open', { floatMinor: 0 });
    const sale = await c.call<SaleSummary>('pos.sale.capture', {
      lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 2, unitPriceMinor: 1000, taxRateBp: 1800 }],
      tenders: [{ type: 'card', amountMinor: 2360, brand: card.brand, last4: card.last4, token: card.token }],
    });
    expect(sale.tenders[0]).toMatchObject({ type: 'card', last4: '1111', brand: 'visa' });
    expect(await c.call('pos.receipt.print', { saleId: sale.saleId })).toMatchObject({ status: 'printed' });
    const printed = await c.call<{ picture: { lines: string[] } }>('hardware.demo.lastPrint');
    expect(printed.picture.lines.join('\n')).toContain('****1111');
    c.ws.close();

    await host!.close();
    host = undefined;
    await core!.close();
    core = undefined;
    for (const undo of restore.splice(0)) undo();

    // The database, decrypted with its key from the keychain: every row of every table.
    const dbFile = join(dataDir, 'outpost.sqlite');
    const key = await keychain.keyStore.get('db-key:outpost');
    expect(key).not.toBeNull();
    const db = openWithKey(dbFile, decodeDatabaseKey(key!, 'db-key:outpost'), false);
    expect(db).not.toBeNull();
    const tables = db!.prepare("select name from sqlite_master where type = 'table'").all() as {
      name: string;
    }[];
    let dump = '';
    for (const { name } of tables) {
      for (const row of db!.prepare(`select * from "${name.replace(/"/g, '""')}"`).all() as object[]) {
        dump += JSON.stringify(row, (_k, v: unknown) =>
          Buffer.isBuffer(v) ? v.toString('latin1') : (v as object),
        );
      }
    }
    db!.close();
    // The dump is real: the sale and its card token are in it, the number is not.
    expect(dump).toContain(sale.saleId);
    expect(dump).toContain(card.token);
    expect(dump).not.toContain(PAN);

    // Every file of the data directory, byte for byte (the database file, its WAL, JSON files…).
    const files = await filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('outpost.sqlite'))).toBe(true);
    for (const file of files) {
      const bytes = await readFile(file);
      for (const needle of needles(PAN)) expect(bytes.includes(needle), file).toBe(false);
    }

    // Console output was captured (the swipe was logged, by brand and last four digits only).
    const log = output.join('\n');
    expect(log).toContain('[hardware] swipe ok: visa');
    expect(log).not.toContain(PAN);

    // The frames were captured both ways: the token crossed, the number never did.
    const wire = frames.join('\n');
    expect(wire).toContain(card.token);
    expect(wire).not.toContain(PAN);
  });
});
