import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleHash, type Sale } from '../../protocol/bundle';
import type { PushResponse } from '../../protocol/http';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import { enrollTerminal, push, SN_POLICY, type Terminal } from './test-support';

/**
 * Attack tests of issue #16 (follow-up): a terminal we did not write signs sales whose text holds
 * card data the 12-digit check missed (a number in groups, track data). The sale rule of
 * protocol/bundle/check-sale.ts now uses the shared card-data rule: per docs/protocol.md such a sale
 * is signed evidence, scored `INVALID_SALE` (CARD_NUMBER_PRESENT) and quarantined, never posted,
 * and no text of it is stored, answered or logged.
 */

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('pay-admin@cards.test', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

/** A sale of `t` changed by `edit` before it is chained: the terminal signs what the attacker typed. */
function typed(t: Terminal, edit: (sale: Sale) => void, spec: Parameters<Terminal['sale']>[0] = {}): Sale {
  const sale = t.sale(spec);
  edit(sale);
  t.head = saleHash(sale);
  return sale;
}

/** Every row of every table, as PostgreSQL prints it: the needle must be in none of them. */
async function tablesHolding(needles: readonly string[]): Promise<string[]> {
  const { rows: tables } = await s.pool.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  expect(tables.map((t) => t.name)).toEqual(
    expect.arrayContaining(['offline_tx_bundles', 'offline_transactions', 'offline_audit_logs']),
  );
  const found: string[] = [];
  for (const { name } of tables) {
    for (const needle of needles) {
      const { rows } = await s.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${name} t WHERE strpos(t::text, $1) > 0`,
        [needle],
      );
      if (Number(rows[0]!.n) > 0) found.push(`${name}: ${needle}`);
    }
  }
  return found;
}

/** Pushes, runs the worker, and checks the card data went nowhere: tables, answers, logs. */
async function pushCardData(t: Terminal, sales: Sale[], needles: readonly string[]) {
  const envelope = await t.bundle(sales);
  const res = await push(s, envelope);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await runOnce({ pool: s.pool, workerId: 'card-data-test' });
  const path = `/offline/bundles/${envelope.bundle_id}`;
  const status = await s.call('GET', path, { headers: signed(t.device, 'GET', path, '') });
  expect(status.status, status.text).toBe(200);
  const answered = JSON.stringify(res.body) + status.text;
  for (const needle of needles) {
    expect(answered).not.toContain(needle);
    expect(s.logs.join('')).not.toContain(needle);
  }
  expect(await tablesHolding(needles)).toEqual([]);
  // The same search finds what the push does store, so an empty answer means something.
  expect(await tablesHolding([t.id])).toEqual(expect.arrayContaining(['offline_tx_bundles: ' + t.id]));
  const ledger = await s.pool.query('SELECT 1 FROM ledger_entries WHERE bundle_id = $1', [
    envelope.bundle_id,
  ]);
  expect(ledger.rowCount).toBe(0);
  return { body: res.body, bundle: status.body as { status: string } };
}

const invalidSale = (body: PushResponse) => body.reasons.find((r) => r.code === 'INVALID_SALE')?.detail;

describe('card data in the text of pushed sales', () => {
  it('a line name holding a card number typed in groups: quarantined as CARD_NUMBER_PRESENT, stored nowhere', async () => {
    const t = await enrollTerminal(s, admin);
    const pan = '5500 0055 5555 5559';
    const sales = [
      t.sale(),
      typed(t, (sale) => {
        sale.lines[0]!.name = `Riz 1kg ${pan}`;
      }),
    ];
    const { body } = await pushCardData(t, sales, [pan, pan.replaceAll(' ', ''), '5500 0055']);
    expect(body.status).toBe('quarantined');
    expect(invalidSale(body)).toBe('1 sale(s) fail the sale rules: CARD_NUMBER_PRESENT (first at index 1)');
  });

  it('track 1 with its start lost in a card token, track 2 in a refund reason: both sales quarantined, stored nowhere', async () => {
    const t = await enrollTerminal(s, admin);
    const first = t.sale();
    const sales = [
      first,
      t.sale({ tender: 'card', cardToken: '^DOE/JOHN^2812101?' }),
      typed(
        t,
        (sale) => {
          sale.override = { manager_id: 'mgr-1', reason: ';4111111111111111=2812101000?' };
        },
        { kind: 'refund', original_sale_id: first.sale_id, price: 500, tax: 90 },
      ),
    ];
    const { body } = await pushCardData(t, sales, ['DOE/JOHN', '2812101', '4111111111111111']);
    expect(body.status).toBe('quarantined');
    expect(invalidSale(body)).toBe('2 sale(s) fail the sale rules: CARD_NUMBER_PRESENT (first at index 1)');
  });

  it('product names and barcodes are not card data: accepted and posted', async () => {
    const t = await enrollTerminal(s, admin);
    const sales = [
      typed(t, (sale) => {
        sale.lines[0]!.name = 'Coca-Cola 1.5L x 12';
      }),
      typed(t, (sale) => {
        sale.lines[0]!.sku = '4006381333931';
        sale.lines[0]!.name = 'Stabilo pen 4006381333931';
      }),
    ];
    const res = await push(s, await t.bundle(sales));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'accepted', reasons: [] });
  });
});
