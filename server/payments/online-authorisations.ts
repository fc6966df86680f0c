import type pg from 'pg';
import type { Sale } from '../../protocol/bundle';
import { MAX_CLOCK_SKEW_MS } from '../../protocol/bundle';
import { sameBase64url } from '../../protocol/crypto';

/**
 * A pushed sale above max_offline_amount that the server itself authorised online (issue #18,
 * item 7; POST /offline/online-authorisations, server/online/handlers.ts). The sale's `online: true`
 * proves nothing; what counts is the authorisation row the server stored and signed:
 * - same device as the bundle, same sale id, amount (the sale's total) and currency;
 * - the signature the sale repeats is the one the server made (a forged or altered statement has
 *   another);
 * - the sale was recorded (its created_at) between issue and expiry, give or take the clock skew a
 *   push is allowed (MAX_CLOCK_SKEW_MS);
 * - never used before: it is claimed (used_at) inside the push's transaction, so a rejected push
 *   frees it and a concurrent push of another bundle waits on the row, then finds it used.
 *
 * Findings are scored, not refused: a sale whose authorisation fails any of these is offline to the
 * server, so above the maximum it is AMOUNT_OVER_LIMIT (quarantine) as before, with why.
 */
export interface OnlineAuthorisationFindings {
  /** Sale ids whose authorisation holds: max_offline_amount does not apply to them. */
  authorised: Set<string>;
  /** Why the others' did not, for the AMOUNT_OVER_LIMIT detail; null when none failed. */
  refused: string | null;
}

interface Row {
  authorisation_id: string;
  device_id: string;
  sale_id: string;
  amount_minor: string;
  currency: string;
  signature: string;
  issued_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export async function claimOnlineAuthorisations(
  client: pg.PoolClient,
  sales: readonly Sale[],
  bundleId: string,
): Promise<OnlineAuthorisationFindings> {
  const asked = sales.filter((s) => s.kind === 'sale' && s.online_authorisation !== undefined);
  const authorised = new Set<string>();
  if (asked.length === 0) return { authorised, refused: null };
  const ids = asked.map((s) => s.online_authorisation!.authorisation_id);
  // Only the pushing device's authorisations (keyed by device, one shard under Citus): another
  // device's reads as none.
  const devices = [...new Set(asked.map((s) => s.device_id))];
  const { rows } = await client.query<Row>(
    `SELECT authorisation_id, device_id, sale_id, amount_minor, currency, signature, issued_at, expires_at, used_at
     FROM offline_online_authorisations
     WHERE device_id = ANY($2::text[]) AND authorisation_id = ANY($1::uuid[]) FOR UPDATE`,
    [ids, devices],
  );
  const byId = new Map(rows.map((r) => [r.authorisation_id, r]));
  const refused: string[] = [];
  const claimed = new Set<string>();
  for (const sale of asked) {
    const claim = sale.online_authorisation!;
    const row = byId.get(claim.authorisation_id);
    const why = !row
      ? 'no such authorisation'
      : [
          row.device_id !== sale.device_id && 'another device',
          row.sale_id !== sale.sale_id && 'another sale',
          Number(row.amount_minor) !== sale.total_minor && 'another amount',
          row.currency !== sale.currency && 'another currency',
          !sameBase64url(row.signature, claim.signature) && 'a signature the server did not make',
          (Date.parse(sale.created_at) > row.expires_at.getTime() + MAX_CLOCK_SKEW_MS ||
            Date.parse(sale.created_at) < row.issued_at.getTime() - MAX_CLOCK_SKEW_MS) &&
            'recorded outside its validity',
          (row.used_at !== null || claimed.has(row.authorisation_id)) && 'already used',
        ]
          .filter((m): m is string => m !== false)
          .join(', ');
    if (why) {
      refused.push(`sale ${sale.sale_id}: ${why}`);
      continue;
    }
    claimed.add(claim.authorisation_id);
    authorised.add(sale.sale_id);
  }
  if (claimed.size > 0)
    await client.query(
      `UPDATE offline_online_authorisations SET used_at = now(), used_by_bundle = $2
       WHERE device_id = ANY($3::text[]) AND authorisation_id = ANY($1::uuid[])`,
      [[...claimed], bundleId, devices],
    );
  return {
    authorised,
    refused: refused.length === 0 ? null : `online authorisation refused: ${refused.join('; ')}`,
  };
}
