import type pg from 'pg';
import type { Sale } from '../../protocol/bundle';
import { requestRefPayee } from '../../protocol/qr';
import { queryAll } from '../db/inline';
import { rescore, type StoredReason } from './bundle-states';
import { QrVerifier } from './qr-verifier';
import { WEIGHTS } from './score';
import type { BundleState } from '../../protocol/states';

/**
 * A customer's payment QR pays one sale. Each terminal refuses a QR it has seen (protocol/qr), but
 * two terminals offline can each accept the same one; the server sees both. The issuer's signature
 * identifies the exact token: seen twice in one bundle, in one sale or two, is a reuse. Only sales count: a void or refund repeats its original's tender.
 *
 * Who claims a QR is decided by its payee, not by who pushed first (issue #16, ninth pass M-2): only
 * a tender whose QR text verifies as the QR it names, and whose token pays no other terminal's
 * request, claims it. A tender that proves nothing claims nothing (eleventh pass M-1: a QR tender
 * without its text is refused by the push, QR_TEXT_REQUIRED, and would claim nothing here either),
 * so a till that copied a token shown at another shop cannot make that shop's honest sale a
 * DUPLICATE_QR: a token bound to a terminal's request (`r1.<tag>.…`) is claimed by that terminal
 * alone, whoever pushed first. A token quoting no request (a QR the customer shows) names no payee:
 * the first stored claim holds it, qr-tokens.ts holds every such sale for review so being first
 * credits nobody (tenth pass M-2), the later sale's DUPLICATE_QR names the first, and the first
 * sale's bundle, if still held, gains a DUPLICATE_QR naming the later one (eleventh pass M-2), so the
 * reviewer sees the conflict on both; approving the second once the first is accepted is refused
 * (qrAlreadyCredited).
 */
export async function claimQrUses(
  client: pg.PoolClient,
  sales: readonly Sale[],
  bundleId: string,
  /** The push's verifier, shared with checkQrTokens; default the keys read now. */
  verifier?: QrVerifier,
): Promise<string | null> {
  const uses = sales.flatMap((sale) =>
    sale.kind !== 'sale'
      ? []
      : sale.tenders.flatMap((t) =>
          t.qr?.signature
            ? [{ signature: t.qr.signature, text: t.qr.text, saleId: sale.sale_id, deviceId: sale.device_id }]
            : [],
        ),
  );
  if (uses.length === 0) return null;
  const checker = verifier ?? (await QrVerifier.load(client));
  /** Whether this use may hold the QR against other sales: see above. */
  const claims = (use: (typeof uses)[number]) => {
    if (use.text === undefined) return false;
    const token = checker.tenderToken({ text: use.text, signature: use.signature });
    return token !== null && requestRefPayee(token.request_ref, use.deviceId) !== 'other';
  };
  const findings: string[] = [];
  const seen = new Map<string, string>();
  const claimed = new Map<string, string>();
  for (const use of uses) {
    const first = seen.get(use.signature);
    // The same sale included: two tenders of one sale with one QR is that QR paying twice.
    if (first === use.saleId) findings.push(`sale ${use.saleId} is paid twice with one QR`);
    else if (first !== undefined)
      findings.push(`sale ${use.saleId} repeats the QR of sale ${first} in this bundle`);
    else {
      seen.set(use.signature, use.saleId);
      if (claims(use)) claimed.set(use.signature, use.saleId);
    }
  }
  // One bundle, one device.
  const deviceId = uses[0]!.deviceId;
  // Claimed inside the push's transaction: a concurrent push of the same QR waits on the key, then
  // sees this claim; a rejected push rolls its claims back. Every tender is recorded too, claimed or
  // not (offline_qr_tenders: what a review approval checks). Three statements (the last one's
  // snapshot is taken after the first waited), one round trip.
  const [, , found] = await queryAll(client, [
    {
      text: `INSERT INTO offline_qr_uses (signature, sale_id, device_id)
             SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[])
             ON CONFLICT (signature) DO NOTHING`,
      values: [[...claimed.keys()], [...claimed.values()], [...claimed.keys()].map(() => deviceId)],
    },
    {
      text: `INSERT INTO offline_qr_tenders (signature, sale_id, device_id, bundle_id)
             SELECT u.signature, u.sale_id, $3::text, $4::uuid FROM unnest($1::text[], $2::uuid[]) AS u(signature, sale_id)
             ON CONFLICT DO NOTHING`,
      values: [uses.map((u) => u.signature), uses.map((u) => u.saleId), deviceId, bundleId],
    },
    {
      // Another device's sale is another sale whatever its sale_id (issue #16, eighth pass M-1). A
      // sale that claimed nothing but that ops approved (accepted or posted) holds the QR too: a
      // later claim of it, the payee's included, is not credited again unseen (eleventh pass M-2).
      text: `SELECT signature, sale_id, device_id FROM offline_qr_uses
             WHERE signature = ANY($1::text[]) AND NOT (device_id = $3 AND sale_id = ANY($2::uuid[]))
             UNION
             SELECT q.signature, q.sale_id, q.device_id FROM offline_qr_tenders q
               JOIN offline_transactions t ON t.device_id = q.device_id AND t.sale_id = q.sale_id
             WHERE q.signature = ANY($1::text[]) AND t.status IN ('pending', 'reconciled')
               AND NOT (q.device_id = $3 AND q.sale_id = ANY($2::uuid[]))`,
      values: [[...seen.keys()], [...seen.values()], deviceId],
    },
  ]);
  const rows = found!.rows as { signature: string; sale_id: string; device_id: string }[];
  for (const row of rows) {
    const saleId = seen.get(row.signature)!;
    findings.push(
      `sale ${saleId} was paid with a QR already used by sale ${row.sale_id} of ${row.device_id}`,
    );
    // A later claim: the earlier sale's bundle, while it waits for a person, says so too.
    if (claimed.has(row.signature))
      await flagEarlierClaim(client, row, `its QR was used again by sale ${saleId} of ${deviceId}`);
  }
  return findings.length === 0 ? null : findings.join('; ');
}

/** Adds DUPLICATE_QR to the bundle of an earlier claim of a QR, when that bundle is still held. */
async function flagEarlierClaim(
  client: pg.PoolClient,
  claim: { sale_id: string; device_id: string },
  what: string,
): Promise<void> {
  const { rows } = await client.query<{
    bundle_id: string;
    device_id: string;
    status: BundleState;
    reasons: StoredReason[];
  }>(
    `SELECT b.bundle_id, b.device_id, b.status, b.reasons FROM offline_transactions t
       JOIN offline_tx_bundles b ON b.device_id = t.device_id AND b.bundle_id = t.bundle_id
      WHERE t.device_id = $1 AND t.sale_id = $2 AND b.status IN ('review', 'quarantined')
      FOR UPDATE OF b`,
    [claim.device_id, claim.sale_id],
  );
  const bundle = rows[0];
  if (!bundle) return;
  const reason: StoredReason = {
    code: 'DUPLICATE_QR',
    weight: WEIGHTS.DUPLICATE_QR,
    detail: `sale ${claim.sale_id}: ${what}`.slice(0, 500),
  };
  await rescore(client, bundle, [...bundle.reasons, reason], 'qr_reused');
}

/**
 * The QRs of a held bundle that already pay a sale of another bundle that is accepted or posted
 * (its transactions pending or reconciled), or another sale of this very bundle: approving it would
 * credit one payment twice (eleventh pass M-2; two sales of one bundle, twelfth pass, as two
 * bundles' sales would be). Locks every recorded tender of those QRs first, in one order, so two approvals of one
 * QR racing each other serialise and the second sees the first's decision. Empty when none.
 */
export async function qrAlreadyCredited(
  client: pg.PoolClient,
  bundle: { device_id: string; bundle_id: string },
): Promise<{ sale_id: string; other_sale_id: string; other_device_id: string; other_bundle_id: string }[]> {
  await client.query(
    `SELECT 1 FROM offline_qr_tenders
      WHERE signature IN (SELECT signature FROM offline_qr_tenders WHERE device_id = $1 AND bundle_id = $2)
      ORDER BY signature, device_id, sale_id FOR UPDATE`,
    [bundle.device_id, bundle.bundle_id],
  );
  const { rows } = await client.query<{
    sale_id: string;
    other_sale_id: string;
    other_device_id: string;
    other_bundle_id: string;
  }>(
    `SELECT mine.sale_id, o.sale_id AS other_sale_id, o.device_id AS other_device_id, o.bundle_id AS other_bundle_id
       FROM offline_qr_tenders mine
       JOIN offline_qr_tenders o ON o.signature = mine.signature
       JOIN offline_transactions t ON t.device_id = o.device_id AND t.sale_id = o.sale_id
      WHERE mine.device_id = $1 AND mine.bundle_id = $2
        AND (((o.device_id, o.bundle_id) <> (mine.device_id, mine.bundle_id) AND t.status IN ('pending', 'reconciled'))
          -- Approving the bundle would post both sales; each pair named once.
          OR (o.device_id = mine.device_id AND o.bundle_id = mine.bundle_id AND o.sale_id > mine.sale_id))
      ORDER BY mine.sale_id, o.sale_id`,
    [bundle.device_id, bundle.bundle_id],
  );
  return rows;
}
