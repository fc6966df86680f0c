import type pg from 'pg';
import { registerTestWallet, SN_POLICY } from '../../server/payments/test-support';
import { createUser } from '../../server/auth/users';

export interface JsonAnswer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export type BenchCall = (
  method: string,
  path: string,
  options?: { token?: string; body?: unknown },
) => Promise<JsonAnswer>;

/** JSON calls to a server, as the harness's `call` makes them (setup only: pushes go through postJson). */
export function jsonCaller(baseUrl: string): BenchCall {
  return async (method, path, options = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      text,
      headers: res.headers,
    };
  };
}

/**
 * A bench's shop: a pay_admin signed in, Senegal's policy with limits no bench reaches, the test
 * wallet registered as a QR issuer the server trusts (without it every QR sale is quarantined
 * QR_TOKEN_INVALID and a bench measures refusals), and the server's HPKE key, shaped as
 * `enrollTerminal` wants its server.
 */
export async function benchShop(
  baseUrl: string,
  pool: pg.Pool,
  email: string,
): Promise<{
  token: string;
  server: { call: BenchCall; trust: { deps: { keys: { hpke: { publicKeyRaw: string } } } } };
}> {
  const call = jsonCaller(baseUrl);
  const password = `${email} password 123`;
  await createUser(pool, { email, password, roles: ['pay_admin'] }, { type: 'system' });
  const signIn = await call('POST', '/auth/sign-in', { body: { email, password } });
  const token = (signIn.body as { access_token: string }).access_token;
  await call('POST', '/offline/policies', {
    token,
    body: { ...SN_POLICY, max_offline_per_device_per_day: 1_000_000, max_unsynced_amount: 1_000_000_000_000 },
  });
  await registerTestWallet({ call }, token);
  const hpke = await pool.query<{ public_key: string }>(
    "SELECT public_key FROM server_keys WHERE kind = 'hpke_x25519'",
  );
  return {
    token,
    server: { call, trust: { deps: { keys: { hpke: { publicKeyRaw: hpke.rows[0]!.public_key } } } } },
  };
}
