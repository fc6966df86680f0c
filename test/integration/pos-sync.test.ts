import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, type Observable } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { openBundle } from '../../protocol/bundle/open';
import { GENESIS_HASH, MAX_CLOCK_SKEW_MS } from '../../protocol/bundle/constants';
import type { Sale } from '../../protocol/bundle/sale';
import { generateHpkeKeyPair, type HpkeKeyPair } from '../../protocol/hpke/keys';
import type { Policy } from '../../protocol/http/policies';
import { pullAnswerSha256, pushAnswerSha256, type CatalogItem } from '../../protocol/http/payments';
import { pushRefusalSha256 } from '../../protocol/http/push-refusal';
import { generateEd25519, publicKeyPem } from '../../protocol/crypto';
import { signServerStatement } from '../../protocol/licence';
import { issuerListSha256 } from '../../protocol/qr/issuer-list';
/**
 * The terminal's payments core end to end: real core, OS keychain (Secret Service) and encrypted
 * store; sync against a stand-in server that opens bundles with the real protocol code.
 */
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { loadOrCreateIdentity } from '@outpost/terminal-sdk';
import { readMachineId } from '../../native/device';
import { seedEnrollment } from '../support/seed-enrollment';
import { SN_POLICY } from '../support/sn-policy';
import { codeOf, signedIn, TILL_MANAGER } from '../support/till';

/** A port nothing listens on: the server "down". */
const CLOSED_URL = 'http://127.0.0.1:9';

const POLICY: Policy = SN_POLICY;

/** The stand-in server's signing key: tills hold it from enrollment and verify the pull's statement. */
const STUB_SIGNING = generateEd25519();

interface Till {
  core: Core;
  dataDir: string;
  service: string;
  call: (method: string, input?: unknown) => Promise<unknown>;
  next: <T>(topic: string, until: (item: T) => boolean, input?: unknown) => Promise<T>;
}

/**
 * A real core (keychain, encrypted store) already enrolled as a POS: the enrollment record is the
 * one a code redemption writes, with `hpkePublicKey` the server key bundles are sealed to.
 */
async function enrolledTill(options: {
  serverUrl: string;
  hpke: HpkeKeyPair;
  policy?: Policy | null;
  dataDir?: string;
  service?: string;
  enroll?: boolean;
  /** The OS clock the till reads (a cashier may set it to anything). */
  clock?: () => number;
}): Promise<Till> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'outpost-pos-')));
  const service = options.service ?? `outpost-test-${randomUUID()}`;
  if (options.enroll !== false && !options.dataDir) {
    await seedEnrollment(dataDir, new KeytarKeyStore({ service }), {
      serverUrl: options.serverUrl,
      hpkePublicKey: options.hpke.publicKey,
      policy: options.policy === undefined ? POLICY : options.policy,
      signingPublicKeyPem: publicKeyPem(STUB_SIGNING.publicKey),
    });
  }
  const core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: options.serverUrl,
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 100,
    sync: { backoffBaseMs: 20, backoffMaxMs: 200, intervalMs: 0, requestTimeoutMs: 5_000 },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
  const next = <T>(topic: string, until: (item: T) => boolean, input: unknown = {}) => {
    const open = (core.handlers.subscriptions as unknown as Record<string, (i: unknown) => Observable<T>>)[
      topic
    ]!;
    return firstValueFrom(open(input).pipe(filter(until)));
  };
  return { core, dataDir, service, call, next };
}

async function devicePublicKey(service: string): Promise<KeyObject> {
  const identity = await loadOrCreateIdentity(new KeytarKeyStore({ service }), { machineId: readMachineId });
  return createPublicKey(identity.signingKey);
}

const cart = (unitPriceMinor = 1000, qty = 1) => ({
  lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty, unitPriceMinor, taxRateBp: 1800 }],
  tenders: [{ type: 'cash', amountMinor: Math.ceil((unitPriceMinor * qty * 1.18) / 1000) * 1000 + 1000 }],
});

interface Stored {
  body: string;
  status: 'accepted' | 'review' | 'quarantined' | 'reconciled';
  seqFrom: number;
  seqTo: number;
}

/**
 * A tiny stand-in for the payments server: opens every bundle with protocol/bundle's openBundle
 * (real signature check, real HPKE decryption, chain check), keeps the device's chain head, answers
 * a re-sent identical envelope with `duplicate: true`, and serves the pull.
 */
class StubPaymentsServer {
  readonly hpke = generateHpkeKeyPair();
  deviceKey: KeyObject | null = null;
  mode: 'ok' | 'hang' | 'fail503' | { reject: string; status: number } = 'ok';
  pushes: { bundleId: string; body: string; answered: boolean }[] = [];
  readonly bundles = new Map<string, Stored>();
  readonly sales = new Map<string, Sale>();
  head = { seq: 0, hash: GENESIS_HASH };
  catalog: CatalogItem[] = [];
  pulls = 0;
  /** The stub's clock against the real one: a till whose OS clock is off by minus this. */
  clockOffsetMs = 0;
  private server: Server | null = null;
  private readonly hung = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private onPush: (() => void)[] = [];
  url = '';

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `n` pushes have arrived. */
  pushed(n: number): Promise<void> {
    if (this.pushes.length >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.pushes.length >= n) resolve();
        else this.onPush.push(check);
      };
      this.onPush.push(check);
    });
  }

  /** Marks every stored bundle reconciled, as the server's worker would. */
  reconcileAll(): void {
    for (const b of this.bundles.values()) b.status = 'reconciled';
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/health/live') return this.json(res, 200, { status: 'ok' });
    if (url.pathname === '/offline/sync/payments' && req.method === 'GET') {
      this.pulls++;
      const serverTime = new Date(Date.now() + this.clockOffsetMs).toISOString();
      const page = {
        catalog: this.catalog,
        bundles: [...this.bundles.entries()].map(([id, b]) => ({
          bundle_id: id,
          status: b.status,
          reasons: [],
          updated_at: new Date().toISOString(),
        })),
        cursor: String(this.pulls),
        more: false,
        last_seq: this.head.seq,
      };
      return this.json(res, 200, {
        server_time: serverTime,
        policy: POLICY,
        // Signed as the real server does (issue #16): the till applies only what this covers.
        statement: signServerStatement(
          { privateKey: STUB_SIGNING.privateKey, kid: 'stub' },
          {
            device_id: String(req.headers['x-outpost-device']),
            request_nonce: url.searchParams.get('request_nonce'),
            server_time: serverTime,
            licences: [],
            policy: POLICY,
            answer_sha256: pullAnswerSha256(page),
          },
        ),
        ...page,
      });
    }
    // No payment issuers here; signed like the real server's list, or the round would report it.
    if (url.pathname === '/offline/qr/issuers' && req.method === 'GET')
      return this.json(res, 200, {
        issuers: [],
        statement: signServerStatement(
          { privateKey: STUB_SIGNING.privateKey, kid: 'stub' },
          {
            device_id: String(req.headers['x-outpost-device']),
            request_nonce: url.searchParams.get('request_nonce'),
            server_time: new Date().toISOString(),
            licences: [],
            answer_sha256: issuerListSha256([]),
          },
        ),
      });
    if (url.pathname !== '/offline/push' || req.method !== 'POST')
      return this.json(res, 404, { error: { code: 'NOT_FOUND', message: 'no' } });
    const envelope = JSON.parse(body) as { bundle_id: string; device_id: string };
    // Signed as the real server signs its refusals (#16, 12th pass M-A): the till believes no other.
    const refuse = (status: number, error: { code: string; message: string; details?: unknown }) =>
      this.json(res, status, {
        error: {
          ...error,
          statement: signServerStatement(
            { privateKey: STUB_SIGNING.privateKey, kid: 'stub' },
            {
              device_id: envelope.device_id,
              request_nonce: null,
              server_time: new Date().toISOString(),
              licences: [],
              answer_sha256: pushRefusalSha256({ bundle_id: envelope.bundle_id, code: error.code, envelope }),
            },
          ),
        },
      });
    const entry = { bundleId: envelope.bundle_id, body, answered: false };
    this.pushes.push(entry);
    const waiting = this.onPush;
    this.onPush = [];
    for (const w of waiting) w();
    if (this.mode === 'fail503')
      return this.json(res, 503, { error: { code: 'DB_UNAVAILABLE', message: 'down' } });
    if (typeof this.mode === 'object')
      return refuse(this.mode.status, { code: this.mode.reject, message: 'refused by the stub' });
    const known = this.bundles.get(envelope.bundle_id);
    // As the real server (server/payments/push.ts): a stored bundle first, then the clock.
    const skew = Date.parse((envelope as { device_clock?: string }).device_clock ?? '') - Date.now();
    if (!known && !(Math.abs(skew - this.clockOffsetMs) <= MAX_CLOCK_SKEW_MS))
      return refuse(422, { code: 'CLOCK_SKEW', message: 'clock off', details: { skew_ms: skew } });
    let duplicate = false;
    if (known) {
      if (known.body !== body) return refuse(409, { code: 'BUNDLE_ID_REUSED', message: 'different' });
      duplicate = true;
    } else {
      const opened = await openBundle(JSON.parse(body), {
        devicePublicKey: this.deviceKey!,
        serverPrivateKey: this.hpke.privateKey,
      });
      const p = opened.payload;
      if (p.seq_from !== this.head.seq + 1 || p.prev_chain_head !== this.head.hash)
        return refuse(409, { code: 'SEQUENCE_CONFLICT', message: `expected ${this.head.seq + 1}` });
      if (opened.invalidSales.length > 0) throw new Error('invalid sales in bundle');
      for (const s of p.sales) {
        if (this.sales.has(s.sale_id)) throw new Error(`sale ${s.sale_id} stored twice`);
        this.sales.set(s.sale_id, s);
      }
      this.head = { seq: p.seq_to, hash: p.chain_head };
      this.bundles.set(envelope.bundle_id, {
        body,
        status: 'accepted',
        seqFrom: p.seq_from,
        seqTo: p.seq_to,
      });
    }
    if (this.mode === 'hang') {
      // Stored, but the answer never leaves: the terminal must re-send the same bytes later.
      this.hung.add(res);
      return;
    }
    entry.answered = true;
    const stored = this.bundles.get(envelope.bundle_id)!;
    const answer = {
      success: true,
      bundle_id: envelope.bundle_id,
      status: stored.status === 'reconciled' ? ('reconciled' as const) : stored.status,
      sira_score: 0.01,
      reasons: [],
      transactions_count: stored.seqTo - stored.seqFrom + 1,
      duplicate,
      server_time: new Date().toISOString(),
    };
    // Signed as the real server does (issue #16): the till applies the status only on this.
    const statement = signServerStatement(
      { privateKey: STUB_SIGNING.privateKey, kid: 'stub' },
      {
        device_id: String(req.headers['x-outpost-device']),
        request_nonce: null,
        server_time: answer.server_time,
        licences: [],
        answer_sha256: pushAnswerSha256(answer),
      },
    );
    return this.json(res, 200, { ...answer, statement });
  }

  /** Cuts the connections of answers that were held back. */
  dropHung(): void {
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
  }

  async stop(): Promise<void> {
    this.dropHung();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// ---------------------------------------------------------------------------------------------

let session: SecretServiceSession;
let stub: StubPaymentsServer;
const open: Core[] = [];

beforeAll(async () => {
  session = await ensureSecretService();
  stub = new StubPaymentsServer();
  await stub.start();
});
afterEach(async () => {
  // One app database per process (RxDB refuses two open databases of one name): close each till.
  while (open.length) await open.pop()!.close();
});
afterAll(async () => {
  await stub.stop();
  await session.stop();
});

async function till(options: Parameters<typeof enrolledTill>[0]): Promise<Till> {
  const t = await enrolledTill(options);
  open.push(t.core);
  await signedIn(t.core);
  return t;
}

async function close(t: Till): Promise<void> {
  open.splice(open.indexOf(t.core), 1);
  await t.core.close();
}

type Summary = {
  saleId: string;
  seq: number;
  status: string;
  totalMinor: number;
  changeMinor: number;
  online: boolean;
  hash: string;
  override: unknown;
};
type Status = {
  state: string;
  counts: { pending: number; pushed: number; accepted: number; rejected: number; reconciled: number };
  rejectedBundles: { code: string }[];
  lastErrorCode: string | null;
};

describe('sales capture on the real core, keychain and encrypted store', () => {
  it('needs an enrollment, a policy and an open shift', async () => {
    const unenrolled = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke, enroll: false });
    await unenrolled.call('pos.shift.open', { floatMinor: 0 });
    await expect(unenrolled.call('pos.sale.capture', cart())).rejects.toMatchObject({ code: 'NOT_ENROLLED' });
    await close(unenrolled);

    const noPolicy = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke, policy: null });
    await noPolicy.call('pos.shift.open', { floatMinor: 0 });
    await expect(noPolicy.call('pos.sale.capture', cart())).rejects.toMatchObject({
      code: 'POLICY_DISABLED',
    });
    await close(noPolicy);

    const t = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke });
    await expect(t.call('pos.sale.capture', cart())).rejects.toMatchObject({ code: 'NO_OPEN_SHIFT' });
    await expect(
      t.call('pos.sale.capture', {
        ...cart(),
        tenders: [
          {
            type: 'card',
            amountMinor: 1,
            approvalCode: 'A1B2C3',
            brand: 'V',
            last4: '4242',
            token: '4242424242424242',
          },
        ],
      }),
      // Refused by name, without the validation issues: card data is never repeated (docs/hardware.md).
    ).rejects.toMatchObject({ code: 'CARD_DATA_DISCARDED' });
  });

  it('numbers and chains sales without gaps under concurrency and across restarts, and computes totals', async () => {
    const t = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke });
    expect(await t.call('pos.shift.open', { floatMinor: 5000 })).toMatchObject({
      state: 'open',
      floatMinor: 5000,
    });
    await expect(t.call('pos.shift.open', { floatMinor: 0 })).rejects.toMatchObject({
      code: 'SHIFT_ALREADY_OPEN',
    });
    const first = (await t.call('pos.sale.capture', {
      lines: [
        {
          sku: 'rice-1kg',
          name: 'Riz 1kg',
          qty: 3,
          unitPriceMinor: 1250,
          discountMinor: 250,
          taxRateBp: 1800,
        },
        { sku: 'oil', name: 'Huile', qty: 1, unitPriceMinor: 25, taxRateBp: 1800 },
      ],
      tenders: [{ type: 'cash', amountMinor: 5000 }],
    })) as Summary & { taxMinor: number };
    // (3×1250 − 250) + 630 tax = 4130; 25 + round-half-up(4.5) = 30; total 4160, change 840.
    expect(first).toMatchObject({
      seq: 1,
      totalMinor: 4160,
      taxMinor: 635,
      changeMinor: 840,
      online: false,
      status: 'pending',
    });

    const many = (await Promise.all(
      Array.from({ length: 12 }, () => t.call('pos.sale.capture', cart())),
    )) as Summary[];
    expect(many.map((s) => s.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    expect(new Set(many.map((s) => s.hash)).size).toBe(12);

    const { dataDir, service } = t;
    await close(t);
    const again = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke, dataDir, service });
    const after = (await again.call('pos.sale.capture', cart())) as Summary;
    expect(after.seq).toBe(14);
    const recent = await again.next<{ sales: Summary[] }>('pos.sales.recent', (r) => r.sales.length > 0, {
      limit: 3,
    });
    expect(recent.sales.map((s) => s.seq)).toEqual([14, 13, 12]);
    const shift = await again.next<{ shift: { floatMinor: number } | null }>('pos.shift.current', () => true);
    expect(shift.shift).toMatchObject({ floatMinor: 5000 });
    const banner = await again.next<{
      count: number;
      totals: unknown[];
      msLeft: number | null;
      maxAgeHours: number;
    }>('pos.pending', (b) => b.count === 14);
    expect(banner.totals).toEqual([{ currency: 'XOF', totalMinor: 4160 + 13 * 1180 }]);
    expect(banner.maxAgeHours).toBe(72);
    expect(banner.msLeft).toBeGreaterThan(71 * 3_600_000);
  });

  it('enforces the policy limits, with a manager PIN where the policy allows it', async () => {
    const t = await till({
      serverUrl: CLOSED_URL,
      hpke: stub.hpke,
      policy: { ...POLICY, max_offline_per_device_per_day: 2, max_unsynced_amount: 120_000 },
    });
    await t.call('pos.shift.open', { floatMinor: 0 });
    await expect(t.call('pos.sale.capture', cart(90_000))).rejects.toMatchObject({
      code: 'LIMIT_AMOUNT',
      details: expect.objectContaining({ overridable: false }),
    });
    await expect(t.call('pos.sale.capture', cart(50_000))).rejects.toMatchObject({
      code: 'APPROVAL_REQUIRED',
    });

    const override = { managerId: 'awa', pin: '2468', reason: 'regular customer' };
    await expect(t.call('pos.sale.capture', { ...cart(50_000), override })).rejects.toMatchObject({
      code: 'MANAGER_PIN_INVALID',
    });
    expect(
      await t.call('pos.managerPin.set', {
        managerId: 'awa',
        pin: '2468',
        authorizedBy: { managerId: TILL_MANAGER.cashierId, pin: TILL_MANAGER.pin },
      }),
    ).toEqual({ managerIds: ['awa', TILL_MANAGER.cashierId] });
    // Once the till has an account, a cashier signs in before selling (issue #18).
    await t.call('pos.cashier.signIn', { cashierId: 'awa', pin: '2468' });
    await expect(t.call('pos.managerPin.set', { managerId: 'bob', pin: '1357' })).rejects.toMatchObject({
      code: 'MANAGER_PIN_REQUIRED',
    });
    await expect(
      t.call('pos.sale.capture', { ...cart(50_000), override: { ...override, pin: '0000' } }),
    ).rejects.toMatchObject({ code: 'MANAGER_PIN_INVALID' });
    const approved = (await t.call('pos.sale.capture', { ...cart(50_000), override })) as Summary;
    expect(approved.override).toEqual({ managerId: 'awa', reason: 'regular customer' });
    const small = (await t.call('pos.sale.capture', { ...cart(), override })) as Summary;
    expect(small.override).toBeNull(); // nothing to lift: no override recorded

    // Third sale of the day: over the daily count; a manager can lift it for a small sale only.
    await expect(t.call('pos.sale.capture', cart())).rejects.toMatchObject({ code: 'LIMIT_DAILY_COUNT' });
    expect(await t.call('pos.sale.capture', { ...cart(), override })).toMatchObject({ seq: 3 });
    await expect(t.call('pos.sale.capture', { ...cart(60_000), override })).rejects.toMatchObject({
      code: 'LIMIT_DAILY_COUNT',
    });
  });

  it('refunds and voids as new chained sales, and closes the shift with a Z-report', async () => {
    const t = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke });
    await t.call('pos.shift.open', { floatMinor: 10_000 });
    const a = (await t.call('pos.sale.capture', cart(1000, 3))) as Summary; // 3540, cash 5000 → change 1460
    const b = (await t.call('pos.sale.capture', {
      lines: [{ sku: 'tea', name: 'Thé', qty: 1, unitPriceMinor: 500, taxRateBp: 0 }],
      // A card here: the QR tender's own rules are in pos-qr.test.ts.
      tenders: [
        {
          type: 'card',
          amountMinor: 500,
          approvalCode: 'A1B2C3',
          brand: 'visa',
          last4: '4242',
          token: 'tok_tea',
        },
      ],
    })) as Summary;
    const r1 = (await t.call('pos.sale.refund', {
      originalSaleId: a.saleId,
      lines: [{ sku: 'rice-1kg', qty: 1 }],
      reason: 'damaged',
    })) as Summary & { kind: string; originalSaleId: string };
    expect(r1).toMatchObject({ kind: 'refund', originalSaleId: a.saleId, totalMinor: 1180, seq: 3 });
    const r2 = (await t.call('pos.sale.refund', { originalSaleId: a.saleId, reason: 'rest' })) as Summary;
    expect(r2.totalMinor).toBe(3540 - 1180);
    await expect(
      t.call('pos.sale.refund', { originalSaleId: a.saleId, reason: 'again' }),
    ).rejects.toMatchObject({
      code: 'REFUND_TOO_LARGE',
    });
    await expect(t.call('pos.sale.void', { originalSaleId: a.saleId, reason: 'x' })).rejects.toMatchObject({
      code: 'VOID_NOT_ALLOWED',
    });
    const v = (await t.call('pos.sale.void', {
      originalSaleId: b.saleId,
      reason: 'wrong item',
    })) as Summary & {
      kind: string;
    };
    expect(v).toMatchObject({ kind: 'void', totalMinor: 500 });
    await expect(t.call('pos.sale.refund', { originalSaleId: b.saleId, reason: 'x' })).rejects.toMatchObject({
      code: 'SALE_VOIDED',
    });
    await expect(t.call('pos.sale.refund', { originalSaleId: r1.saleId, reason: 'x' })).rejects.toMatchObject(
      {
        code: 'REFUND_INVALID',
      },
    );

    const z = (await t.call('pos.shift.close', { countedCashMinor: 10_000 })) as Record<string, unknown>;
    expect(z).toMatchObject({
      floatMinor: 10_000,
      sales: { count: 2, totalMinor: 4040 },
      refunds: { count: 2, totalMinor: 3540 },
      voids: { count: 1, totalMinor: 500 },
      netMinor: 0,
      expectedCashMinor: 10_000,
      differenceMinor: 0,
    });
    await expect(t.call('pos.sale.capture', cart())).rejects.toMatchObject({ code: 'NO_OPEN_SHIFT' });
    await expect(t.call('pos.shift.close', { countedCashMinor: 0 })).rejects.toMatchObject({
      code: 'NO_OPEN_SHIFT',
    });
  });

  it('refunds by line and quantity, never more than was sold per line, back to the tender that paid (#18)', async () => {
    const t = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke });
    await t.call('pos.shift.open', { floatMinor: 0 });
    // Rice 2 × 1000 at 18 % (2360) and tea 1 × 500 untaxed: 2860, paid 2000 by card and 1000 cash.
    const sale = (await t.call('pos.sale.capture', {
      lines: [
        { sku: 'rice-1kg', name: 'Riz 1kg', qty: 2, unitPriceMinor: 1000, taxRateBp: 1800 },
        { sku: 'tea', name: 'Thé', qty: 1, unitPriceMinor: 500, taxRateBp: 0 },
      ],
      tenders: [
        { type: 'card', amountMinor: 2000, approvalCode: 'RICE42', brand: 'visa', last4: '4242' },
        { type: 'cash', amountMinor: 1000 },
      ],
    })) as Summary;
    const refund = (lines: { sku: string; qty: number }[], extra: object = {}) =>
      t.call('pos.sale.refund', { originalSaleId: sale.saleId, lines, reason: 'attack', ...extra });
    const tooLarge = { code: 'REFUND_TOO_LARGE' };
    // More than the line's quantity, in one line or the same line named twice.
    await expect(refund([{ sku: 'rice-1kg', qty: 3 }])).rejects.toMatchObject(tooLarge);
    await expect(
      refund([
        { sku: 'tea', qty: 1 },
        { sku: 'tea', qty: 1 },
      ]),
    ).rejects.toMatchObject(tooLarge);
    await expect(refund([{ sku: 'coffee', qty: 1 }])).rejects.toMatchObject(tooLarge);
    // Money to a card that never paid, or more cash than was paid in cash, or change on a refund.
    const card = { type: 'card', approvalCode: 'THIEF1', brand: 'visa', last4: '1111' };
    await expect(
      refund([{ sku: 'tea', qty: 1 }], { tenders: [{ ...card, amountMinor: 500 }] }),
    ).rejects.toMatchObject({ code: 'REFUND_TENDER_NOT_ORIGINAL' });
    await expect(
      refund([{ sku: 'rice-1kg', qty: 2 }], { tenders: [{ type: 'cash', amountMinor: 2360 }] }),
    ).rejects.toMatchObject({ code: 'REFUND_TENDER_NOT_ORIGINAL' });
    await expect(
      refund([{ sku: 'tea', qty: 1 }], { tenders: [{ type: 'cash', amountMinor: 600 }] }),
    ).rejects.toMatchObject({ code: 'TENDER_OVERPAID' });

    // One rice: 1180 back, to the card that paid (cards first), the amount apportioned exactly.
    const first = (await refund([{ sku: 'rice-1kg', qty: 1 }])) as Summary & { tenders: unknown[] };
    expect(first).toMatchObject({
      totalMinor: 1180,
      tenders: [{ type: 'card', last4: '4242', amountMinor: 1180 }],
    });
    // The same line again: one rice is left, so two is refused and one goes through.
    await expect(refund([{ sku: 'rice-1kg', qty: 2 }])).rejects.toMatchObject(tooLarge);
    const second = (await refund([{ sku: 'rice-1kg', qty: 1 }])) as Summary & { tenders: unknown[] };
    // The card had 820 left of its 2000; the rest of 1180 goes back in cash.
    expect(second).toMatchObject({
      totalMinor: 1180,
      tenders: [
        { type: 'card', amountMinor: 820 },
        { type: 'cash', amountMinor: 360 },
      ],
    });
    await expect(refund([{ sku: 'rice-1kg', qty: 1 }])).rejects.toMatchObject(tooLarge);
    const last = (await refund([{ sku: 'tea', qty: 1 }])) as Summary;
    expect(first.totalMinor + second.totalMinor + last.totalMinor).toBe(sale.totalMinor);
    await expect(
      t.call('pos.sale.refund', { originalSaleId: sale.saleId, reason: 'more' }),
    ).rejects.toMatchObject(tooLarge);
  });
});

describe('sync against a payments server stand-in (real bundle crypto)', () => {
  it('pushes offline sales in chained bundles once the server is back, and pulls outcomes and catalog', async () => {
    const local = new StubPaymentsServer();
    await local.start();
    const t = await till({
      serverUrl: CLOSED_URL,
      hpke: local.hpke,
      policy: { ...POLICY, max_offline_per_device_per_day: 1000, max_unsynced_amount: 10_000_000 },
    });
    local.deviceKey = await devicePublicKey(t.service);
    local.catalog = [
      {
        sku: 'rice-1kg',
        barcode: '6001234567890',
        name: 'Riz 1kg',
        price_minor: 1000,
        currency: 'XOF',
        tax_rate_bp: 1800,
        active: true,
      },
    ];
    await t.call('pos.shift.open', { floatMinor: 0 });
    const count = 105; // two bundles: 100 + 5
    for (let i = 0; i < count; i++) await t.call('pos.sale.capture', cart());
    const offline = (await t.call('sync.now')) as Status;
    // Forced while offline: the first bundle is built and waits in the outbox; nothing is lost.
    expect(offline.counts.pending + offline.counts.pushed).toBe(count);
    expect(offline.lastErrorCode).toBe('UNAVAILABLE');

    await t.call('settings.update', { serverUrl: local.url });
    const done = await t.next<Status>('sync.status', (s) => s.counts.accepted === count);
    expect(done.counts).toMatchObject({ pending: 0, pushed: 0, rejected: 0 });
    expect(local.sales.size).toBe(count);
    expect(local.bundles.size).toBe(2);
    expect(local.head.seq).toBe(count);
    await t.call('sync.now'); // runs after the round in flight, so its pull has landed
    expect(await t.call('pos.catalog.byBarcode', { barcode: '6001234567890' })).toMatchObject({
      item: { sku: 'rice-1kg', taxRateBp: 1800 },
    });
    expect(await t.call('pos.catalog.search', { query: 'riz' })).toMatchObject({
      items: [{ sku: 'rice-1kg' }],
    });

    // The worker reconciles: the next pull says so.
    local.reconcileAll();
    const reconciled = (await t.call('sync.now')) as Status;
    expect(reconciled.counts).toMatchObject({ reconciled: count, accepted: 0 });
    const banner = await t.next<{ count: number }>('pos.pending', () => true);
    expect(banner.count).toBe(0);
    await close(t);
    await local.stop();
  });

  it('re-sends the identical envelope after a crash mid-push, and nothing is stored twice', async () => {
    const local = new StubPaymentsServer();
    await local.start();
    const t = await till({ serverUrl: CLOSED_URL, hpke: local.hpke });
    local.deviceKey = await devicePublicKey(t.service);
    await t.call('pos.shift.open', { floatMinor: 0 });
    for (let i = 0; i < 7; i++) await t.call('pos.sale.capture', cart());

    // The server stores the bundle but its answer never arrives; the till is then abandoned.
    local.mode = 'hang';
    await t.call('settings.update', { serverUrl: local.url });
    await local.pushed(1);
    const { dataDir, service } = t;
    await close(t);
    local.dropHung();

    local.mode = 'ok';
    const restarted = await till({ serverUrl: local.url, hpke: local.hpke, dataDir, service });
    const status = await restarted.next<Status>('sync.status', (s) => s.counts.accepted === 7);
    expect(status.counts.pending + status.counts.pushed).toBe(0);
    expect(local.pushes).toHaveLength(2);
    expect(local.pushes[1]!.body).toBe(local.pushes[0]!.body); // byte for byte
    expect(local.bundles.size).toBe(1);
    expect(local.sales.size).toBe(7);

    // Later sales chain on from the stored head.
    await restarted.call('pos.sale.capture', cart());
    await restarted.next<Status>('sync.status', (s) => s.counts.accepted === 8);
    expect(local.head.seq).toBe(8);
    await close(restarted);
    await local.stop();
  });

  it('retries server failures with backoff, and stops on a refusal, reporting it', async () => {
    const local = new StubPaymentsServer();
    await local.start();
    local.mode = 'fail503';
    const t = await till({ serverUrl: local.url, hpke: local.hpke });
    local.deviceKey = await devicePublicKey(t.service);
    await t.call('pos.shift.open', { floatMinor: 0 });
    await t.call('pos.sale.capture', cart());
    await local.pushed(3); // retried on its own, same bundle each time
    expect(new Set(local.pushes.map((p) => p.body)).size).toBe(1);

    // A refusal no rebuild can mend (CLOCK_SKEW is mended: the test below).
    local.mode = { reject: 'CURRENCY_NOT_ALLOWED', status: 422 };
    const blocked = await t.next<Status>('sync.status', (s) => s.state === 'blocked');
    expect(blocked.counts.rejected).toBe(1);
    expect(blocked.rejectedBundles).toMatchObject([{ code: 'CURRENCY_NOT_ALLOWED' }]);
    const pushesSoFar = local.pushes.length;
    await t.call('pos.sale.capture', cart());
    const after = (await t.call('sync.now')) as Status;
    expect(local.pushes.length).toBe(pushesSoFar); // never re-sent, nothing built behind it
    expect(after.counts).toMatchObject({ rejected: 1, pending: 1 });
    await close(t);
    await local.stop();
  });

  it('rebuilds a bundle refused for CLOCK_SKEW with the server time, and the till clock follows the server', async () => {
    const local = new StubPaymentsServer();
    await local.start();
    const t = await till({ serverUrl: local.url, hpke: local.hpke });
    local.deviceKey = await devicePublicKey(t.service);
    await t.call('pos.shift.open', { floatMinor: 0 });
    await t.call('sync.now');
    // From here the server's time is two hours ahead of what the till last learnt (its OS clock
    // and its clock for money are both off): its next bundle is stamped two hours early.
    local.clockOffsetMs = 2 * 3_600_000;
    await t.call('pos.sale.capture', cart());
    // Refused once for the clock, pulled (the signed time moves the till clock), built again, taken.
    const synced = await t.next<Status>('sync.status', (s) => s.counts.accepted === 1);
    expect(synced.counts).toMatchObject({ rejected: 0, pending: 0, accepted: 1 });
    const ids = new Set(local.pushes.map((p) => p.bundleId));
    expect(ids.size).toBe(1);
    expect(new Set(local.pushes.map((p) => p.body)).size).toBe(2);
    // The next sale is stamped with the server's time, and the cashier is told the OS clock is off.
    const clock = await t.next<{ skewMs: number; warn: boolean }>('pos.clock', (c) => c.warn);
    expect(Math.round(clock.skewMs / 60_000)).toBe(-120);
    const later = (await t.call('pos.sale.capture', cart())) as Summary;
    await t.call('sync.now');
    const stamped = local.sales.get(later.saleId)!;
    expect(Math.abs(Date.parse(stamped.created_at) - (Date.now() + local.clockOffsetMs))).toBeLessThan(
      MAX_CLOCK_SKEW_MS,
    );
    expect(local.pushes.filter((p) => p.answered)).toHaveLength(2);
    await close(t);
    await local.stop();
  });

  it('attack: the OS clock wound a day forward, then days back, with a restart, lifts no limit (L1)', async () => {
    const os = { offsetMs: 0 };
    const clock = () => Date.now() + os.offsetMs;
    const policy = { ...POLICY, max_offline_per_device_per_day: 2 };
    const first = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke, policy, clock });
    await first.call('pos.shift.open', { floatMinor: 0 });
    await first.call('pos.sale.capture', cart());
    await first.call('pos.sale.capture', cart());
    expect(await codeOf(first.call('pos.sale.capture', cart()))).toBe('LIMIT_DAILY_COUNT');
    // A day forward: "tomorrow" by the OS clock, the same day by the till's.
    os.offsetMs = 86_400_000;
    expect(await codeOf(first.call('pos.sale.capture', cart()))).toBe('LIMIT_DAILY_COUNT');
    await close(first);
    const reopen = () =>
      till({ serverUrl: CLOSED_URL, hpke: stub.hpke, dataDir: first.dataDir, service: first.service, clock });
    const restarted = await reopen();
    expect(await codeOf(restarted.call('pos.sale.capture', cart()))).toBe('LIMIT_DAILY_COUNT');
    // Days back: the sales already taken do not become "tomorrow's", nor does a new one go back.
    os.offsetMs = -4 * 86_400_000;
    await close(restarted);
    const back = await reopen();
    expect(await codeOf(back.call('pos.sale.capture', cart()))).toBe('LIMIT_DAILY_COUNT');
    const recent = await back.next<{ sales: { createdAt: string }[] }>(
      'pos.sales.recent',
      (r) => r.sales.length === 2,
    );
    for (const sale of recent.sales)
      expect(Math.abs(Date.parse(sale.createdAt) - Date.now())).toBeLessThan(3_600_000);
  });

  it('keeps the cart and the parked sales in the store across a restart; recall swaps, a sale clears it', async () => {
    type Cart = { lines: { sku: string; qty: number }[] };
    type Parked = { parked: { parkedId: string; label: string; lines: { sku: string }[] }[] };
    const line = (sku: string, qty: number) => ({
      sku,
      name: sku,
      qty,
      unitPriceMinor: 1000,
      taxRateBp: 1800,
    });
    const first = await till({ serverUrl: CLOSED_URL, hpke: stub.hpke });
    await first.call('pos.shift.open', { floatMinor: 0 });
    await first.call('pos.cart.save', { lines: [line('rice-1kg', 2)] });
    expect(await first.call('pos.cart.park', { label: 'Table 4' })).toMatchObject({
      parkedId: expect.any(String),
    });
    expect(await codeOf(first.call('pos.cart.park', {}))).toBe('INVALID_INPUT'); // nothing left to park
    await first.call('pos.cart.save', { lines: [line('oil-1l', 1), line('sugar', 3)] });
    await close(first);

    const again = await till({
      serverUrl: CLOSED_URL,
      hpke: stub.hpke,
      dataDir: first.dataDir,
      service: first.service,
    });
    const current = await again.next<Cart>('pos.cart.current', () => true);
    expect(current.lines).toMatchObject([
      { sku: 'oil-1l', qty: 1 },
      { sku: 'sugar', qty: 3 },
    ]);
    const { parked } = await again.next<Parked>('pos.cart.parked', (p) => p.parked.length === 1);
    expect(parked[0]).toMatchObject({ label: 'Table 4', lines: [{ sku: 'rice-1kg', qty: 2 }] });

    // Recalled while a cart is in progress: that cart is parked in its place, nothing is lost.
    expect(await again.call('pos.cart.recall', { parkedId: parked[0]!.parkedId })).toMatchObject({
      lines: [{ sku: 'rice-1kg', qty: 2 }],
    });
    const swapped = await again.next<Parked>(
      'pos.cart.parked',
      (p) => p.parked.length === 1 && p.parked[0]!.label === '',
    );
    expect(swapped.parked[0]!.lines.map((l) => l.sku)).toEqual(['oil-1l', 'sugar']);

    await again.call('pos.sale.capture', cart(1000, 2));
    await again.next<Cart>('pos.cart.current', (c) => c.lines.length === 0);
    await again.call('pos.cart.discard', { parkedId: swapped.parked[0]!.parkedId });
    await again.next<Parked>('pos.cart.parked', (p) => p.parked.length === 0);
  });
});
