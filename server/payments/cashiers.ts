import type { Queryable } from '../db/tx';
import type { SaleCashier } from './score';

/**
 * A pushed sale's cashier against the shop's roster (issue #16, twelfth red-team pass L-B). Once a
 * tenant manages its cashiers in the back office (server/cashiers), its tills sign cashiers in only
 * from the signed roster; but a till offline since a cashier was disabled still holds the older
 * roster, and a compromised or third-party terminal writes whatever `cashier_id` it likes. The
 * server checks every sale, refund and void of such a tenant against what it holds:
 * - `unknown` (review): the sale names no cashier, or one the shop's roster never had;
 * - `disabled` (review): the sale's `created_at` falls in a period the server recorded the cashier
 *   as disabled (shop_cashier_disabled_periods: from disabled_at, up to enabled_at if they were
 *   enabled again). A sale recorded while they were active (a till pushing late) is not held for it;
 *   one recorded while they were disabled still is after they are enabled again (13th pass).
 * A tenant with no roster (its tills keep their own accounts) is not checked. The detail of an
 * unknown cashier names the sale, never the id it carries: that is the terminal's own text.
 */
export interface CashierFindings {
  unknown: string | null;
  disabled: string | null;
}

interface RosterRow {
  cashier_id: string | null;
  /** The periods the cashier was disabled, as [disabled_at, enabled_at | null] in ms. */
  periods: [number, number | null][] | null;
}

export async function checkCashiers(
  db: Queryable,
  cashiers: readonly SaleCashier[],
  tenant: { tenant_type: string | null; tenant_id: string | null },
): Promise<CashierFindings | undefined> {
  if (!tenant.tenant_type || !tenant.tenant_id || cashiers.length === 0) return undefined;
  const named = cashiers.flatMap((c) => (c.cashier_id === null ? [] : [c.cashier_id]));
  // One round trip: no row at all when the tenant has no roster; otherwise the roster's row and the
  // cashiers of this bundle it has, each with every period it was disabled.
  const { rows } = await db.query<RosterRow>(
    `SELECT c.cashier_id,
       (SELECT json_agg(json_build_array(
                 (extract(epoch FROM p.disabled_at) * 1000)::float8,
                 (extract(epoch FROM p.enabled_at) * 1000)::float8))
        FROM shop_cashier_disabled_periods p
        WHERE p.tenant_type = c.tenant_type AND p.tenant_id = c.tenant_id
          AND p.cashier_id = c.cashier_id) AS periods
     FROM shop_rosters r
     LEFT JOIN shop_cashiers c ON c.tenant_type = r.tenant_type AND c.tenant_id = r.tenant_id
       AND c.cashier_id = ANY($3::text[])
     WHERE r.tenant_type = $1 AND r.tenant_id = $2`,
    [tenant.tenant_type, tenant.tenant_id, named],
  );
  if (rows.length === 0) return undefined;
  const known = new Map(
    rows.flatMap((r) => (r.cashier_id === null ? [] : [[r.cashier_id, r.periods ?? []]])),
  );
  const unknown = cashiers.filter((c) => c.cashier_id === null || !known.has(c.cashier_id));
  const whileDisabled = cashiers.flatMap((c) => {
    const periods = c.cashier_id === null ? [] : (known.get(c.cashier_id) ?? []);
    const sales = c.sold.filter(([at]) =>
      periods.some(([from, to]) => from <= at && (to === null || at < to)),
    );
    return sales.length === 0 ? [] : [{ cashier_id: c.cashier_id, latest: sales.at(-1)![1] }];
  });
  const count = (list: SaleCashier[]) => list.reduce((n, c) => n + c.sales, 0);
  return {
    unknown:
      unknown.length > 0
        ? `${count(unknown)} sale(s) by a cashier the shop's roster does not have, or by none (first: sale ${unknown[0]!.first_sale_id})`
        : null,
    disabled:
      whileDisabled.length > 0
        ? `sales by ${whileDisabled.map((c) => c.cashier_id).join(', ')}, disabled at the sale's time (latest: sale ${whileDisabled[0]!.latest})`
        : null,
  };
}
