import type pg from 'pg';
import type { Sale } from '../../protocol/bundle';
import { requestRefPayee } from '../../protocol/qr';
import { queryAll } from '../db/inline';
import { issuerKeys, tenderToken } from './qr-tokens';

/**
 * A customer's payment QR pays one sale. Each terminal refuses a QR it has seen (protocol/qr), but
 * two terminals offline can each accept the same one; the server sees both. The issuer's signature
 * identifies the exact token: seen twice in one bundle, in one sale or two, is a reuse. Only sales count: a void or refund repeats its original's tender.
 *
 * Who claims a QR is decided by its payee, not by who pushed first (issue #16, ninth pass M-2): a
 * tender whose QR text does not verify as the QR it names, or whose token pays another terminal's
 * request (qr-tokens.ts quarantines both), claims nothing, so a till that copied a token shown at
 * another shop cannot make that shop's honest sale a DUPLICATE_QR. A tender without the QR text (a
 * till from before the server checked) still claims, as before: such a sale is held for review.
 * So does a token quoting no request (a QR the customer shows): the first stored claim holds it,
 * but qr-tokens.ts holds every such sale for review, so being first credits nobody (tenth pass M-2)
 * and the later sale's DUPLICATE_QR names the first for the reviewer.
 */
export async function claimQrUses(client: pg.PoolClient, sales: readonly Sale[]): Promise<string | null> {
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
  const keys = await issuerKeys(client);
  /** Whether this use may hold the QR against other sales: see above. */
  const claims = (use: (typeof uses)[number]) => {
    if (use.text === undefined) return true;
    const token = tenderToken({ text: use.text, signature: use.signature }, keys);
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
  // Claimed inside the push's transaction: a concurrent push of the same QR waits on the key, then
  // sees this claim; a rejected push rolls its claims back. Two statements (the second one's
  // snapshot is taken after the first waited), one round trip.
  const [, found] = await queryAll(client, [
    {
      text: `INSERT INTO offline_qr_uses (signature, sale_id, device_id)
             SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[])
             ON CONFLICT (signature) DO NOTHING`,
      // One bundle, one device.
      values: [[...claimed.keys()], [...claimed.values()], [...claimed.keys()].map(() => uses[0]!.deviceId)],
    },
    {
      // Another device's sale is another sale whatever its sale_id (issue #16, eighth pass M-1).
      text: `SELECT signature, sale_id, device_id FROM offline_qr_uses
             WHERE signature = ANY($1::text[]) AND NOT (device_id = $3 AND sale_id = ANY($2::uuid[]))`,
      values: [[...seen.keys()], [...seen.values()], uses[0]!.deviceId],
    },
  ]);
  const rows = found!.rows as { signature: string; sale_id: string; device_id: string }[];
  for (const row of rows)
    findings.push(
      `sale ${seen.get(row.signature)} was paid with a QR already used by sale ${row.sale_id} of ${row.device_id}`,
    );
  return findings.length === 0 ? null : findings.join('; ');
}
