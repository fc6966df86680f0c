import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleEnvelope } from '../../protocol/bundle';
import {
  BundleStatusResponse,
  PaymentsPullResponse,
  PushResponse,
  type TokenResponse,
} from '../../protocol/http';
import { createUser } from '../auth/users';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { enrollTerminal, SN_POLICY, type Terminal } from '../payments/test-support';
import type { TrustDeps } from '../routes/deps';
import { startServer, type RunningServer } from '../start';
import { PASSWORD, signed, TEST_SCRYPT_COST } from '../testing/harness';

/**
 * Issue #16, item 2: on the embedded database, concurrent requests and the in-process workers used
 * to cross messages between pg connections on PGlite's one session, and a request got a 500 or a
 * 404 for a row that exists (a till takes most 4xx on a push as final and may drop the bundle).
 * This runs pushes, duplicate pushes, status polls, pulls and readiness checks at once against the
 * real server on its embedded default, with the reconciliation and encryption workers running, and
 * checks every answer against what it must be.
 */

const TERMINALS = 12;
const ROUNDS = 105;
/** Requests one round sends: see `round` below. */
const PER_ROUND = 8;

let server: RunningServer;
let deps: TrustDeps;
let dataDir: string;

interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { method, ...init });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, headers: res.headers };
}

const json = (token: string | undefined, body: unknown) => ({
  headers: {
    'content-type': 'application/json',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-embedded-load-'));
  server = await startServer(loadConfig({ PORT: '0', OUTPOST_DATA_DIR: dataDir }), {
    logger: createLogger('silent'),
    routes: (d) => {
      deps = d;
      return [];
    },
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the embedded database under concurrency', () => {
  it('answers every one of 10,000+ concurrent pushes, polls, pulls and readiness checks right', async () => {
    await createUser(
      deps.pool,
      { email: 'load-admin@example.com', password: PASSWORD, roles: ['pay_admin'] },
      { type: 'system' },
      TEST_SCRYPT_COST,
    );
    const signIn = await call(
      'POST',
      '/auth/sign-in',
      json(undefined, { email: 'load-admin@example.com', password: PASSWORD }),
    );
    expect(signIn.status, signIn.text).toBe(200);
    const admin = (signIn.body as TokenResponse).access_token;
    const policy = await call('POST', '/offline/policies', json(admin, SN_POLICY));
    expect(policy.status, policy.text).toBe(200);
    const s = {
      call: (method: string, path: string, o: { token?: string; body?: unknown } = {}) =>
        call(method, path, json(o.token, o.body)),
      trust: { deps },
    };
    const terminals: Terminal[] = [];
    for (let i = 0; i < TERMINALS; i++) terminals.push(await enrollTerminal(s, admin));

    const wrong: string[] = [];
    let requests = 0;
    /** One request and what its answer must be; a mismatch is recorded, never thrown mid-run. */
    const expectAnswer = async (what: string, answer: Promise<Answer>, check: (a: Answer) => boolean) => {
      requests++;
      const a = await answer;
      let right: boolean;
      try {
        right = check(a);
      } catch {
        right = false; // the body did not even have the answer's shape
      }
      if (!right) wrong.push(`${what}: ${a.status} ${a.text.slice(0, 300)}`);
    };

    const pushEnvelope = (envelope: BundleEnvelope) =>
      call('POST', '/offline/push', json(undefined, envelope));
    const get = (t: Terminal, path: string) =>
      call('GET', path, { headers: signed(t.device, 'GET', path, '') });

    // Push, then at once: two status polls, a pull, a poll for a bundle that does not exist,
    // a duplicate push of the same bundle and a readiness check.
    const round = async (t: Terminal) => {
      const sale = t.sale();
      const envelope = await t.bundle([sale]);
      const id = envelope.bundle_id;
      const seq = t.seq;
      await expectAnswer(`push ${id}`, pushEnvelope(envelope), (a) => {
        const body = PushResponse.parse(a.body);
        return a.status === 200 && body.bundle_id === id && body.transactions_count === 1 && !body.duplicate;
      });
      const statusRight = (a: Answer) => {
        const { bundle } = BundleStatusResponse.parse(a.body);
        return (
          a.status === 200 &&
          bundle.bundle_id === id &&
          bundle.device_id === t.id &&
          bundle.tx_count === 1 &&
          bundle.transactions.length === 1 &&
          bundle.transactions[0]!.sale_id === sale.sale_id
        );
      };
      const missing = randomUUID();
      await Promise.all([
        expectAnswer(`status ${id}`, get(t, `/offline/bundles/${id}`), statusRight),
        expectAnswer(`status again ${id}`, get(t, `/offline/bundles/${id}`), statusRight),
        expectAnswer(`pull ${t.id}`, get(t, '/offline/sync/payments'), (a) => {
          const body = PaymentsPullResponse.parse(a.body);
          return a.status === 200 && body.last_seq === seq;
        }),
        expectAnswer(
          `status of missing ${missing}`,
          get(t, `/offline/bundles/${missing}`),
          (a) =>
            a.status === 404 && (a.body as { error: { code: string } }).error.code === 'BUNDLE_NOT_FOUND',
        ),
        expectAnswer(`duplicate push ${id}`, pushEnvelope(envelope), (a) => {
          const body = PushResponse.parse(a.body);
          return a.status === 200 && body.bundle_id === id && body.duplicate;
        }),
        expectAnswer('readiness', call('GET', '/health/ready'), (a) => a.status === 200),
      ]);
      // Read after the duplicate: the terminal's own view, one more time, must still be whole.
      await expectAnswer(`status after duplicate ${id}`, get(t, `/offline/bundles/${id}`), statusRight);
    };

    await Promise.all(
      terminals.map(async (t) => {
        for (let r = 0; r < ROUNDS; r++) await round(t);
      }),
    );

    expect(wrong.slice(0, 20)).toEqual([]);
    expect(requests).toBe(TERMINALS * ROUNDS * PER_ROUND);
    expect(requests).toBeGreaterThanOrEqual(10_000);
    // And what was stored is exactly what was pushed: one bundle and one sale per round.
    const { rows } = await deps.pool.query<{ bundles: number; sales: number }>(
      `SELECT (SELECT count(*)::int FROM offline_tx_bundles) AS bundles,
              (SELECT count(*)::int FROM offline_transactions) AS sales`,
    );
    expect(rows[0]).toEqual({ bundles: TERMINALS * ROUNDS, sales: TERMINALS * ROUNDS });
  }, 600_000);
});
