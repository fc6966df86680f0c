import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import {
  BUNDLE_HPKE_INFO,
  buildBundle,
  bundleAad,
  bundleHeader,
  GENESIS_HASH,
  saleHash,
  serverKeyId,
  type BundleEnvelope,
  type Sale,
} from '../../protocol/bundle';
import { canonicalBytes, publicKeyPem, publicKeyRaw, signCanonical } from '../../protocol/crypto';
import { rawOkpPublic } from '../../protocol/crypto/okp-raw';
import { beginSeal } from '../../protocol/hpke';
import type { PolicyInput, PushResponse } from '../../protocol/http';
import { decodeSigned, issuePaymentToken, newRequestRef, PaymentToken } from '../../protocol/qr';
import type { TestDevice, TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';

let devices = 0;
// Card tokens are base64url: a UUID can hold a run of 12 digits, which checkSale takes for a card number.
/** Like the harness's newDevice, without importing the harness (bench/ingest.ts runs outside vitest). */
export function newDevice(prefix = 'POS'): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = Buffer.from(rawOkpPublic(generateKeyPairSync('x25519').publicKey)).toString('base64url');
  devices++;
  return {
    id: `${prefix}-${process.pid}-${devices}-${randomUUID().slice(0, 8)}`,
    privateKey,
    pem: publicKeyPem(publicKey),
    x25519: x,
    fingerprint: `fp-${randomUUID()}`,
  };
}

/** Test and bench helpers: a terminal enrolled through the real routes, and its chained sales. */

export const SN_POLICY: PolicyInput = {
  country: 'SN',
  currency: 'XOF',
  max_offline_amount: 100_000,
  max_offline_per_device_per_day: 5_000,
  max_unsynced_amount: 50_000_000,
  max_bundle_age_hours: 72,
  approval_threshold: 50_000,
  enabled: true,
};

/** A wallet whose key registerTestWallet registers: QR tenders of Terminal.sale are its payments. */
export const TEST_WALLET = { issuer_id: 'test-wallet', key_id: 'k1', ...generateKeyPairSync('ed25519') };

/** Registers TEST_WALLET's key (pay_admin), so the server verifies the QR tenders tests push. */
export async function registerTestWallet(s: Pick<TestServer, 'call'>, adminToken: string): Promise<void> {
  const res = await s.call('POST', '/offline/qr/issuers', {
    token: adminToken,
    body: {
      issuer_id: TEST_WALLET.issuer_id,
      key_id: TEST_WALLET.key_id,
      name: 'Test wallet',
      public_key: publicKeyRaw(TEST_WALLET.publicKey).toString('base64url'),
    },
  });
  if (res.status !== 200) throw new Error(`issuer registration failed: ${res.text}`);
}

/**
 * A customer payment QR of TEST_WALLET, as a till scans it. With `requestRef` it pays that payment
 * request (bound to the till that made it); without, it names no payee and the server holds its
 * sale for review (QR_UNVERIFIED, #16 tenth pass M-2).
 */
export function walletQr(amountMinor: number, now = Date.now(), requestRef?: string): string {
  return issuePaymentToken(
    {
      issuer_id: TEST_WALLET.issuer_id,
      key_id: TEST_WALLET.key_id,
      payer_ref: `wallet-${randomUUID()}`,
      amount_minor: amountMinor,
      currency: 'XOF',
      now,
      ...(requestRef === undefined ? {} : { request_ref: requestRef }),
    },
    TEST_WALLET.privateKey,
  );
}

/** A sale's QR tender details for this QR: its payer, its signature and the QR itself. */
export function qrTenderOf(text: string): { payer_ref: string; signature: string; text: string } {
  const decoded = decodeSigned(text);
  return {
    payer_ref: PaymentToken.parse(decoded.json).payer_ref,
    signature: decoded.signature.toString('base64url'),
    text,
  };
}

export interface SaleSpec {
  kind?: Sale['kind'];
  original_sale_id?: string;
  /** Line: qty 1 at this price with 18 % tax included in the total (price + tax). */
  price?: number;
  tax?: number;
  tender?: 'cash' | 'card' | 'qr';
  /** Cash handed over (cash tenders; default the total + 20), the change being the rest. */
  cash?: number;
  createdAt?: Date;
  cardToken?: string;
  /**
   * The customer's payment QR (qr tenders only); default a fresh one of TEST_WALLET for the total,
   * issued a minute before the sale, paying a request of this terminal.
   */
  qrText?: string;
  override?: boolean;
  /** Taken while the terminal was online (default: offline). */
  online?: boolean;
  /** Default XOF, the currency of SN_POLICY. */
  currency?: string;
  /** Default a fresh UUID. */
  saleId?: string;
  /** The server's online authorisation the sale carries (issue #18, item 7). */
  onlineAuthorisation?: Sale['online_authorisation'];
  /** The cashier signed in at the till (issue #18). */
  cashierId?: string;
}

/** A terminal: its keys and where its chain stands. */
export class Terminal {
  seq = 0;
  head = GENESIS_HASH;
  lastAt = 0;
  constructor(
    readonly device: TestDevice,
    readonly serverKey: string,
  ) {}

  get id() {
    return this.device.id;
  }

  /** A customer's QR of TEST_WALLET paying a payment request of this terminal (its payee). */
  qr(amountMinor: number, now = Date.now()): string {
    return walletQr(amountMinor, now, newRequestRef(this.device.id));
  }

  sale(spec: SaleSpec = {}): Sale {
    const price = spec.price ?? 1000;
    const tax = spec.tax ?? 180;
    const total = price + tax;
    const tender = spec.tender ?? 'cash';
    const sale: Sale = {
      sale_id: spec.saleId ?? randomUUID(),
      device_id: this.device.id,
      seq: this.seq + 1,
      prev_hash: this.head,
      kind: spec.kind ?? 'sale',
      ...(spec.original_sale_id ? { original_sale_id: spec.original_sale_id } : {}),
      created_at: (spec.createdAt ?? new Date()).toISOString(),
      online: spec.online ?? false,
      currency: spec.currency ?? 'XOF',
      lines: [
        {
          sku: 'SKU-1',
          name: 'Riz 1kg',
          qty: 1,
          unit_price_minor: price,
          discount_minor: 0,
          tax_minor: tax,
          total_minor: total,
        },
      ],
      tenders: [
        tender === 'cash'
          ? {
              type: 'cash',
              amount_minor: spec.cash ?? total + 20,
              change_minor: (spec.cash ?? total + 20) - total,
            }
          : tender === 'card'
            ? {
                type: 'card',
                amount_minor: total,
                card: {
                  brand: 'visa',
                  last4: '4242',
                  token: spec.cardToken ?? `tok_${randomBytes(18).toString('base64url')}`,
                },
              }
            : {
                type: 'qr',
                amount_minor: total,
                qr: qrTenderOf(
                  spec.qrText ?? this.qr(total, (spec.createdAt ?? new Date()).getTime() - 60_000),
                ),
              },
      ],
      total_minor: total,
      ...(spec.override ? { override: { manager_id: 'mgr-1', reason: 'price check' } } : {}),
      ...(spec.onlineAuthorisation ? { online_authorisation: spec.onlineAuthorisation } : {}),
      ...(spec.cashierId ? { cashier_id: spec.cashierId } : {}),
    };
    this.seq = sale.seq;
    this.head = saleHash(sale);
    this.lastAt = Math.max(this.lastAt, Date.parse(sale.created_at));
    return sale;
  }

  /**
   * `n` sales spaced `spacingMs` apart, ending at `end` (now); never before the terminal's previous
   * sale, as a real terminal's clock goes (squeezed to 1 ms apart when they would be).
   */
  sales(n: number, spec: SaleSpec = {}, spacingMs = 20_000, end = Date.now()): Sale[] {
    return Array.from({ length: n }, (_, i) => {
      const at = Math.max(end - (n - 1 - i) * spacingMs, this.lastAt + 1);
      return this.sale({ ...spec, createdAt: spec.createdAt ?? new Date(at) });
    });
  }

  async bundle(
    sales: Sale[],
    options: { now?: Date; prevChainHead?: string; bundleId?: string; serverKeyId?: string } = {},
  ): Promise<BundleEnvelope> {
    const prev = options.prevChainHead ?? sales[0]!.prev_hash;
    return buildBundle({
      sales,
      deviceId: this.device.id,
      deviceKey: this.device.privateKey,
      serverPublicKey: this.serverKey,
      // The id the server derives from its key, as the app does (protocol/bundle/key-id.ts).
      serverKeyId: options.serverKeyId ?? serverKeyId(this.serverKey),
      prevChainHead: prev,
      now: options.now ?? new Date(),
      ...(options.bundleId ? { bundleId: options.bundleId } : {}),
    });
  }
}

/** Registers a terminal with the pay_admin route, as an operator would. */
export async function enrollTerminal(
  s: Pick<TestServer, 'call'> & { trust: { deps: { keys: { hpke: { publicKeyRaw: string } } } } },
  adminToken: string,
  options: { country?: string; tenantId?: string } = {},
): Promise<Terminal> {
  const device = newDevice('POS');
  const res = await s.call('POST', '/offline/devices', {
    token: adminToken,
    body: {
      device_id: device.id,
      tenant_type: 'merchant',
      tenant_id: options.tenantId ?? 'm-1',
      pubkey_pem: device.pem,
      x25519_pub: device.x25519,
      country: options.country ?? 'SN',
      currency_default: 'XOF',
      fingerprint: device.fingerprint,
    },
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.text}`);
  return new Terminal(device, s.trust.deps.keys.hpke.publicKeyRaw);
}

export async function push(
  s: Pick<TestServer, 'call'>,
  envelope: unknown,
): Promise<{ status: number; body: PushResponse & { error?: { code: string } } }> {
  const res = await s.call('POST', '/offline/push', { body: envelope });
  return { status: res.status, body: res.body as PushResponse & { error?: { code: string } } };
}

/**
 * buildBundle with a chosen nonce and device clock, for replay and clock tests (buildBundle always
 * draws a fresh nonce and uses `now` for both the clock and created_at of the payload).
 */
export async function bundleWith(
  t: Terminal,
  sales: Sale[],
  options: { nonce?: string; deviceClock?: Date; bundleId?: string } = {},
): Promise<BundleEnvelope> {
  const base = await t.bundle(sales, {
    ...(options.deviceClock ? { now: options.deviceClock } : {}),
    ...(options.bundleId ? { bundleId: options.bundleId } : {}),
  });
  if (!options.nonce) return base;
  const payload = {
    v: 1 as const,
    bundle_id: base.bundle_id,
    device_id: base.device_id,
    created_at: base.device_clock,
    seq_from: base.seq_from,
    seq_to: base.seq_to,
    prev_chain_head: sales[0]!.prev_hash,
    chain_head: base.chain_head,
    sales,
  };
  const sealer = await beginSeal(t.serverKey, BUNDLE_HPKE_INFO);
  const header = {
    ...bundleHeader(base),
    nonce: options.nonce,
    hpke: { ...base.hpke, enc: sealer.enc },
  };
  const ciphertext = await sealer.seal(canonicalBytes(payload), bundleAad(header));
  const unsigned = { ...header, encrypted_payload: Buffer.from(ciphertext).toString('base64url') };
  return { ...unsigned, signature: signCanonical(t.device.privateKey, unsigned) };
}

/** Re-signs an envelope after a test changed it, so only the change is what the server sees. */
export function resign(t: Terminal, envelope: BundleEnvelope): BundleEnvelope {
  const { signature: _s, ...unsigned } = envelope;
  return { ...unsigned, signature: signCanonical(t.device.privateKey, unsigned) };
}

/** How many ledger entries the worker posted for a sale (0: not posted). */
export async function ledgerEntriesOf(s: Pick<TestServer, 'pool'>, saleId: string): Promise<number> {
  const { rows } = await s.pool.query<{ n: string }>(
    '/* citus: multi-shard: a test helper */ SELECT count(*) AS n FROM ledger_entries WHERE sale_id = $1',
    [saleId],
  );
  return Number(rows[0]!.n);
}

/** Runs the reconciliation worker once, then answers how many ledger legs the sale has. */
export async function postedLegs(s: Pick<TestServer, 'pool'>, saleId: string): Promise<number> {
  await runOnce({ pool: s.pool, workerId: 'test-support-worker' });
  return ledgerEntriesOf(s, saleId);
}
