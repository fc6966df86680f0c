import type { Queryable } from '../db/tx';
import type { SaleCashier } from './score';

/**
 * A pushed sale's cashier against the shop's roster (issue #16, twelfth red-team pass L-B). Once a
 * tenant manages its cashiers in the back office (server/cashiers), its tills sign cashiers in only
 * from the signed roster; but a till offline since a cashier was disabled still holds the older
 * roster, and a compromised or third-party terminal writes whatever `cashier_id` it likes. The
 * server checks every sale, refund and void of such a tenant against what it holds:
 * - `unknown` (review): the sale names no cashier, or one the shop's roster never had;
 * - `disabled` (review): the cashier was disabled at or before the sale's `created_at`. A sale
 *   recorded while they were still active (a till pushing late) is not held for it.
 * A tenant with no roster (its tills keep their own accounts) is not checked. The detail of an
 * unknown cashier names the sale, never the id it carries: that is the terminal's own text.
 */
export interface CashierFindings {
  unknown: string | null;
  disabled: string | null;
}

interface RosterRow {
  cashier_id: string | null;
  disabled_at: Date | null;
}

export async function checkCashiers(
  db: Queryable,
  cashiers: readonly SaleCashier[],
  tenant: { tenant_type: string | null; tenant_id: string | null },
): Promise<CashierFindings | undefined> {
  if (!tenant.tenant_type || !tenant.tenant_id || cashiers.length === 0) return undefined;
  const named = cashiers.flatMap((c) => (c.cashier_id === null ? [] : [c.cashier_id]));
  // One round trip: no row at all when the tenant has no roster; otherwise the roster's row and the
  // cashiers of this bundle it has.
  const { rows } = await db.query<RosterRow>(
    `SELECT c.cashier_id, c.disabled_at FROM shop_rosters r
     LEFT JOIN shop_cashiers c ON c.tenant_type = r.tenant_type AND c.tenant_id = r.tenant_id
       AND c.cashier_id = ANY($3::text[])
     WHERE r.tenant_type = $1 AND r.tenant_id = $2`,
    [tenant.tenant_type, tenant.tenant_id, named],
  );
  if (rows.length === 0) return undefined;
  const known = new Map(rows.flatMap((r) => (r.cashier_id === null ? [] : [[r.cashier_id, r.disabled_at]])));
  const unknown = cashiers.filter((c) => c.cashier_id === null || !known.has(c.cashier_id));
  const disabled = cashiers.filter((c) => {
    const at = c.cashier_id === null ? undefined : known.get(c.cashier_id);
    return at instanceof Date && at.getTime() <= c.latest_at;
  });
  const count = (list: SaleCashier[]) => list.reduce((n, c) => n + c.sales, 0);
  return {
    unknown:
      unknown.length > 0
        ? `${count(unknown)} sale(s) by a cashier the shop's roster does not have, or by none (first: sale ${unknown[0]!.first_sale_id})`
        : null,
    disabled:
      disabled.length > 0
        ? `sales by ${disabled.map((c) => c.cashier_id).join(', ')}, disabled before the sale (latest: sale ${disabled[0]!.latest_sale_id})`
        : null,
  };
}
