import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollSigned, newDevice, signed, startTestServer, type TestServer } from '../testing/harness';

/**
 * One device id is one device whatever its case (issue #16), now kept by offline_device_ids' key
 * (migration 1796491200100) instead of a unique index on lower(device_id), which a distributed
 * offline_devices cannot carry (issue #23 item 3). Attacks on the real PostgreSQL, through the
 * enrolment route.
 */
let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('case-admin@example.com', ['pay_admin'])).token;
});
afterAll(async () => {
  await s?.close();
});

const errorCode = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;

async function issueCode(): Promise<string> {
  const res = await s.call('POST', '/offline/enrollment-codes', {
    token: admin,
    body: { tenant_type: 'merchant', tenant_id: 'case-shop', country: 'SN', currency_default: 'XOF' },
  });
  expect(res.status, res.text).toBe(201);
  return (res.body as { code: string }).code;
}

/** Spellings of one fresh id: `POS-A-…` and `pos-a-…`, each with its own keys. */
function spellings() {
  const upper = newDevice('POS-A');
  return [upper, { ...newDevice('POS-A'), id: upper.id.toLowerCase() }] as const;
}

const devicesSpelled = async (id: string) =>
  (
    await s.pool.query<{ device_id: string }>(
      '/* citus: multi-shard: a test looks every spelling up */ SELECT device_id FROM offline_devices WHERE lower(device_id) = lower($1)',
      [id],
    )
  ).rows.map((r) => r.device_id);

describe('a device id is one device in any letter case', () => {
  it('two enrolments of POS-A and pos-a racing: one device, the other 409 DEVICE_EXISTS', async () => {
    const [upper, lower] = spellings();
    const codes = [await issueCode(), await issueCode()];
    // Hold both enrolments after their checks (code redeemed, keys unused), at the claim of the id:
    // a lock that lets readers through and stops every insert into the table.
    const gate = await s.pool.connect();
    try {
      await gate.query('BEGIN');
      await gate.query('LOCK TABLE offline_device_ids IN SHARE MODE');
      const racing = [enrollSigned(s, upper, codes[0]!), enrollSigned(s, lower, codes[1]!)];
      for (;;) {
        const { rows } = await gate.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'offline_device_ids'::regclass AND NOT granted`,
        );
        if (rows[0]!.n === 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await gate.query('COMMIT');
      const answers = await Promise.all(racing);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
      expect(answers.map(errorCode).filter(Boolean)).toEqual(['DEVICE_EXISTS']);
      const winner = answers[0]!.status === 201 ? upper.id : lower.id;
      expect(await devicesSpelled(upper.id)).toEqual([winner]);
    } finally {
      gate.release();
    }
  });

  it('a plain second enrolment in another case is refused the same way', async () => {
    const [upper, lower] = spellings();
    expect((await enrollSigned(s, upper, await issueCode())).status).toBe(201);
    const again = await enrollSigned(s, lower, await issueCode());
    expect([again.status, errorCode(again)]).toEqual([409, 'DEVICE_EXISTS']);
    const mixed = await enrollSigned(
      s,
      { ...newDevice('POS'), id: upper.id.replace('POS-A', 'pOs-A') },
      await issueCode(),
    );
    expect([mixed.status, errorCode(mixed)]).toEqual([409, 'DEVICE_EXISTS']);
    expect(await devicesSpelled(upper.id)).toEqual([upper.id]);
  });

  it('look-alike spellings (Unicode case folding, trailing space) are refused at the boundary; the till itself re-enrols', async () => {
    const till = newDevice('POS-K-SS-I');
    expect((await enrollSigned(s, till, await issueCode())).status).toBe(201);
    // What a squatter might hope folds onto the till's id somewhere (lower() in another locale, a
    // client's toLowerCase, NFKC): Kelvin sign, sharp s, dotted capital I, a trailing space.
    const lookAlikes = [
      till.id.replace('K', '\u212a'),
      till.id.replace('SS', 'ß'),
      till.id.replace('-I-', '-\u0130-'),
      `${till.id} `,
    ];
    for (const id of lookAlikes) {
      const squatter = newDevice('POS');
      const body = JSON.stringify({
        code: await issueCode(),
        device_id: id,
        pubkey_pem: squatter.pem,
        x25519_pub: squatter.x25519,
        fingerprint: squatter.fingerprint,
      });
      // The id's UTF-8 bytes in the header, as a raw client sends them (fetch takes Latin-1 only).
      const header = { ...squatter, id: Buffer.from(id).toString('latin1') };
      const res = await s.call('POST', '/offline/enroll', {
        rawBody: body,
        headers: signed(header, 'POST', '/offline/enroll', body),
      });
      // Refused before any claim: the header's id no longer matches what was signed, or the body's
      // id is not 1-128 of A-Z a-z 0-9 . _ : - (a 4xx either way, never a 5xx).
      expect([res.status, errorCode(res)], JSON.stringify(id)).toSatisfy(
        ([status, code]: [number, string]) =>
          (status === 400 && code === 'VALIDATION_FAILED') ||
          (status === 401 && code === 'INVALID_SIGNATURE'),
      );
      const row = await s.pool.query('SELECT 1 FROM offline_devices WHERE device_id = $1', [id]);
      expect(row.rowCount, JSON.stringify(id)).toBe(0);
    }
    const claims = async () =>
      (
        await s.pool.query<{ lower_id: string }>(
          'SELECT lower_id FROM offline_device_ids WHERE lower_id LIKE $1',
          [`${till.id.toLowerCase().slice(0, 10)}%`],
        )
      ).rows.map((r) => r.lower_id);
    expect(await claims()).toEqual([till.id.toLowerCase()]);
    // Its data directory deleted, its keys kept: the same till comes back under its claimed id.
    const back = await enrollSigned(s, till, await issueCode());
    expect(back.status, back.text).toBeLessThan(300);
    expect(await devicesSpelled(till.id)).toEqual([till.id]);
    expect(await claims()).toEqual([till.id.toLowerCase()]);
  });
});
