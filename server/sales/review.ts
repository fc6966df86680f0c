import type { BundleDetail, ReviewPage } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import {
  BUNDLE_COLUMNS,
  bundleAmbiguous,
  reviewItem,
  type BundleKey,
  type BundleRow,
} from '../payments/store';
import { CURSOR_ID, decodeCursor, encodeCursor, fromMicros, micros } from './query';
import { SALE_COLUMNS, SALE_FROM, toSale } from './search';

/** The review queue, paged and filtered, and one bundle with its sales (issue #19, item 7). */

export async function reviewPage(
  db: Queryable,
  query: {
    status?: 'review' | 'quarantined' | undefined;
    reason?: string | undefined;
    device_id?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<ReviewPage> {
  const sql = [`status IN ('review', 'quarantined')`];
  const values: unknown[] = [];
  const param = (v: unknown) => `$${values.push(v)}`;
  if (query.status !== undefined) sql.push(`status = ${param(query.status)}`);
  if (query.device_id !== undefined) sql.push(`device_id = ${param(query.device_id)}`);
  if (query.reason !== undefined)
    sql.push(`reasons @> ${param(JSON.stringify([{ code: query.reason }]))}::jsonb`);
  if (query.cursor !== undefined) {
    // A bundle is (device_id, bundle_id): the key ends with both, so two devices' bundles of one id
    // received in the same microsecond are both listed.
    const [us, bundle, device] = decodeCursor(query.cursor, CURSOR_ID.uuid, CURSOR_ID.device);
    sql.push(
      `(received_at, bundle_id, device_id) > (${fromMicros(param(us))}, ${param(bundle)}::uuid, ${param(device)}::text)`,
    );
  }
  const { rows } = await db.query<BundleRow & { key_us: string }>(
    `/* citus: multi-shard: the review queue lists every device */ SELECT ${BUNDLE_COLUMNS}, ${micros('received_at')} AS key_us FROM offline_tx_bundles
     WHERE ${sql.join(' AND ')} ORDER BY received_at, bundle_id, device_id LIMIT ${param(query.limit + 1)}`,
    values,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    bundles: page.map(reviewItem),
    next_cursor:
      rows.length > query.limit && last ? encodeCursor(last.key_us, last.bundle_id, last.device_id) : null,
  };
}

/** A bundle is (device_id, bundle_id); by bundle_id alone, an id several devices used is ambiguous. */
export async function bundleDetail(db: Queryable, key: BundleKey): Promise<BundleDetail | undefined> {
  const { rows } = await db.query<
    BundleRow & {
      till_name: string | null;
      reviewed_at: Date | null;
      review_note: string | null;
      reviewer: string | null;
    }
  >(
    `SELECT ${BUNDLE_COLUMNS.replace(/(\w+)/g, 'b.$1')}, d.name AS till_name, b.reviewed_at, b.review_note,
       u.email AS reviewer
     FROM offline_tx_bundles b
     LEFT JOIN offline_devices d ON d.device_id = b.device_id
     LEFT JOIN users u ON u.id = b.reviewed_by
     WHERE b.bundle_id = $1 AND ($2::text IS NULL OR b.device_id = $2)
     LIMIT 2`,
    [key.bundleId, key.deviceId ?? null],
  );
  if (rows.length > 1) throw bundleAmbiguous();
  const b = rows[0];
  if (!b) return undefined;
  const sales = await db.query<Parameters<typeof toSale>[0]>(
    `SELECT ${SALE_COLUMNS} FROM ${SALE_FROM} WHERE t.bundle_id = $1 AND t.device_id = $2 ORDER BY t.seq`,
    [b.bundle_id, b.device_id],
  );
  return {
    bundle_id: b.bundle_id,
    device_id: b.device_id,
    till_name: b.till_name,
    status: b.status,
    sira_score: b.sira_score,
    reasons: b.reasons.map(({ code, weight, detail }) => ({ code, weight, detail })),
    tx_count: b.tx_count,
    totals: b.totals,
    received_at: b.received_at.toISOString(),
    reconciled_at: b.reconciled_at?.toISOString() ?? null,
    review: b.reviewed_at
      ? { by_email: b.reviewer, at: b.reviewed_at.toISOString(), note: b.review_note }
      : null,
    sales: sales.rows.map(toSale),
  };
}
