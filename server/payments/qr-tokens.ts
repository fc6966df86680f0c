import { MAX_CLOCK_SKEW_MS, type Sale } from '../../protocol/bundle';
import { QR_CLOCK_SKEW_MS, QR_MAX_LIFETIME_MS, QrError, requestRefPayee } from '../../protocol/qr';
import type { Queryable } from '../db/tx';
import { QrVerifier } from './qr-verifier';

/**
 * A pushed sale's QR tender, verified by the server itself (issue #16, M1 of the sixth review): a
 * till's word that a wallet paid is not enough, since a till can be fooled or written by someone
 * else. The sale carries the customer's QR as the till verified it (`qr.text`); the server checks
 * it against the issuer keys registered here (qr_issuer_keys) and against the tender it pays.
 *
 * What it finds is scored, not refused (the payments seed: a bundle is stored and SIRA bands it):
 * - `invalid` (quarantine): the QR does not verify (unknown key, bad signature, malformed), or it
 *   is not the one the tender names (amount, currency, payer, signature), or it was issued after
 *   the sale, or had expired at the sale, or claims a lifetime beyond QR_MAX_LIFETIME_MS (the till
 *   refuses all three: protocol/qr/token.ts; the clock skew the till allows is allowed here too);
 * - `payee` (quarantine): the QR pays another terminal's payment request (its `request_ref` names
 *   another device: protocol/qr/request-ref.ts), so this till was not its payee (ninth pass M-2);
 * - `unverified` (review): the tender carries no QR (a till from before this check: its sale is
 *   stored and waits for a person, never a 5xx or a refusal), or its key has since been withdrawn,
 *   or it quotes a request whose ref names no terminal (a till from before the binding), or it
 *   quotes no request at all (a QR the customer shows without scanning the till's): such a token
 *   names no payee, so whoever holds its text (a photo, a shared screenshot) could push it first
 *   from any till of any tenant and be credited (tenth pass M-2). Nothing unbound is credited on a
 *   push alone; a person decides, and a second till's sale of the same QR is DUPLICATE_QR naming
 *   the first, so both wait.
 * Only sales count, as for reuse (qr-uses.ts): a void or refund repeats its original's tender.
 */
export interface QrTokenFindings {
  unverified: string | null;
  invalid: string | null;
  /** QR sales stamped before the till existed or before its earlier sales (QR_BACKDATED): review. */
  backdated?: string | null;
  /** QRs paying another terminal's request (QR_PAYEE_MISMATCH): quarantine. */
  payee: string | null;
}

/**
 * Where the bundle's sales stand against what the server knows of the device, for QR_BACKDATED. A
 * QR's expiry is judged against the sale's own created_at, which the till writes: a till could date
 * a sale back into an expired QR's validity (red-team pass 8, L-4). Time alone cannot tell that from
 * an honest till that was offline for a while (the bundle's age is already capped by the policy's
 * max_bundle_age_hours, BUNDLE_TOO_OLD); what the server can tell is a sale the till cannot have
 * recorded then.
 */
export interface QrSaleContext {
  deviceId: string;
  /** created_at of the latest sale the server holds from the device's earlier sequence numbers. */
  previousLastSaleAt: Date | null;
}

/**
 * A sale may be this far before the till's registration or its previous sale: the clock skew a push
 * is allowed (a till's clock may be mended by the server's time after enrolment).
 */
export const BACKDATE_TOLERANCE_MS = MAX_CLOCK_SKEW_MS;

/**
 * QR-paid sales (their QR verified) stamped before the device was registered, or before a sale of
 * a lower seq (in this bundle, or the newest one the server holds), by more than the tolerance.
 */
async function backdatedQrSales(
  db: Queryable,
  sales: readonly Sale[],
  paid: ReadonlySet<string>,
  context: QrSaleContext,
): Promise<string[]> {
  const { rows } = await db.query<{ created_at: Date }>(
    'SELECT created_at FROM offline_devices WHERE device_id = $1',
    [context.deviceId],
  );
  const registered = rows[0]?.created_at.getTime() ?? -Infinity;
  const findings: string[] = [];
  let latest = context.previousLastSaleAt?.getTime() ?? -Infinity;
  for (const sale of [...sales].sort((a, b) => a.seq - b.seq)) {
    const at = Date.parse(sale.created_at);
    if (paid.has(sale.sale_id)) {
      if (at < registered - BACKDATE_TOLERANCE_MS)
        findings.push(`sale ${sale.sale_id} is dated before this till was registered`);
      else if (at < latest - BACKDATE_TOLERANCE_MS)
        findings.push(`sale ${sale.sale_id} is dated before a sale this till recorded earlier`);
    }
    latest = Math.max(latest, at);
  }
  return findings;
}

const summary = (findings: string[]) =>
  findings.length === 0 ? null : `${findings.length} QR tender(s): ${findings.join('; ')}`;

/** The till's own rule (verifyPaymentToken) at the sale's time: what a genuine QR may not be. */
function timingProblem(token: { created_at: string; expires_at: string }, saleAt: number): string | null {
  const created = Date.parse(token.created_at);
  const expires = Date.parse(token.expires_at);
  if (!(expires > created) || expires - created > QR_MAX_LIFETIME_MS)
    return `claims a lifetime beyond ${QR_MAX_LIFETIME_MS / 3_600_000} hours`;
  if (created > saleAt + QR_CLOCK_SKEW_MS) return 'was issued after the sale';
  if (expires + QR_CLOCK_SKEW_MS <= saleAt) return 'had expired at the sale';
  return null;
}

export async function checkQrTokens(
  db: Queryable,
  sales: readonly Sale[],
  context?: QrSaleContext,
  /** The push's verifier, shared with claimQrUses; default the keys read now. */
  verifier?: QrVerifier,
): Promise<QrTokenFindings> {
  const tenders = sales.flatMap((sale) =>
    sale.kind !== 'sale' ? [] : sale.tenders.flatMap((t) => (t.qr ? [{ sale, tender: t, qr: t.qr }] : [])),
  );
  if (tenders.length === 0) return { unverified: null, invalid: null, payee: null };
  // Withdrawn keys too: a QR a till verified before the withdrawal reached it is genuine, but held.
  const checker = verifier ?? (await QrVerifier.load(db));
  const rows = checker.keys;
  const unverified: string[] = [];
  const invalid: string[] = [];
  /** Sales whose QR verified and fits the tender and the sale's time: judged for backdating. */
  const paid = new Set<string>();
  const payee: string[] = [];
  for (const { sale, tender, qr } of tenders) {
    const id = sale.sale_id;
    if (qr.text === undefined) {
      unverified.push(`sale ${id} carries no QR to verify`);
      continue;
    }
    let token;
    try {
      token = checker.verify(qr.text);
    } catch (error) {
      if (!(error instanceof QrError)) throw error;
      invalid.push(`sale ${id}: ${error.code}`);
      continue;
    }
    const mismatch = [
      token.amount_minor !== tender.amount_minor && 'amount',
      token.currency !== sale.currency && 'currency',
      token.payer_ref !== qr.payer_ref && 'payer',
      checker.signature(qr.text) !== qr.signature && 'signature',
    ].filter((m): m is string => m !== false);
    if (mismatch.length > 0)
      invalid.push(`sale ${id}: the QR's ${mismatch.join(', ')} differ from the tender`);
    else if (timingProblem(token, Date.parse(sale.created_at)))
      invalid.push(`sale ${id}: the QR ${timingProblem(token, Date.parse(sale.created_at))}`);
    else if (requestRefPayee(token.request_ref, sale.device_id) === 'other')
      payee.push(`sale ${id}: the QR pays request ${token.request_ref} of another terminal`);
    else {
      paid.add(id);
      const bound = requestRefPayee(token.request_ref, sale.device_id);
      if (bound === 'unbound')
        unverified.push(`sale ${id}: the QR's request ${token.request_ref} names no terminal`);
      else if (bound === 'none')
        unverified.push(`sale ${id}: the QR quotes no payment request, so nothing names its payee`);
      else if (!rows.some((k) => k.issuer_id === token.issuer_id && k.key_id === token.key_id && k.active))
        unverified.push(`sale ${id}: key ${token.issuer_id}/${token.key_id} was withdrawn`);
    }
  }
  const backdated = context && paid.size > 0 ? await backdatedQrSales(db, sales, paid, context) : [];
  return {
    unverified: summary(unverified),
    invalid: summary(invalid),
    payee: summary(payee),
    backdated: summary(backdated),
  };
}
