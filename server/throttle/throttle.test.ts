import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TokenResponse } from '../../protocol/http';
import { createPool } from '../db/pool';
import { scryptGate, SCRYPT_CONCURRENCY } from '../auth/scrypt-gate';
import { metrics } from '../metrics';
import { enrollTerminal, push, SN_POLICY } from '../payments/test-support';
import { enrollSigned, newDevice, PASSWORD, startTestServer, type TestServer } from '../testing/harness';
import { THROTTLE_LIMITS } from './limits';
import { Throttle, THROTTLE_TABLE } from './throttle';

/**
 * Attacks of issue #16 item 6 against the real server and PostgreSQL: password guessing (each
 * guess a 32 MiB scrypt), refresh-token and enrollment-code guessing, push floods. Every test
 * starts with empty counters; all requests come from 127.0.0.1, one address.
 */

// Production numbers for sign-in (the attack test must hold for them); smaller ones elsewhere so a
// limit is reached in a few requests.
const LIMITS = {
  ...THROTTLE_LIMITS,
  signInFailuresPerAddress: { points: 40, seconds: 900 },
  refreshFailuresPerAddress: { points: 5, seconds: 900 },
  enrollFailuresPerAddress: { points: 3, seconds: 3600 },
  enrollAttemptsPerDevice: { points: 2, seconds: 3600 },
  pushesPerDevice: { points: 2, seconds: 600 },
};

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer({ throttleLimits: LIMITS });
  admin = (await s.user('admin@throttle.test', ['pay_admin'])).token;
  await s.user('victim@throttle.test', ['student']);
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
beforeEach(async () => {
  await s.pool.query(`DELETE FROM ${THROTTLE_TABLE}`);
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
const scryptRuns = async () => (await metrics.passwordChecks.get()).values[0]?.value ?? 0;
const throttled = async (limit: string) =>
  (await metrics.rateLimitExceeded.get()).values.find((v) => v.labels.limit === limit)?.value ?? 0;
/** A signed enrollment with a guessed code, by a new device (its id is the device's choice). */
const enrollGuess = (guess: string) => enrollSigned(s, newDevice('GUESS'), guess);
const counterRows = async () =>
  Number((await s.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${THROTTLE_TABLE}`)).rows[0]!.n);
const signIn = (email: string, password: string) =>
  s.call('POST', '/auth/sign-in', { body: { email, password } });
/** A sign-in sent from another loopback address, as a client elsewhere would be seen. */
const signInFrom = (localAddress: string, email: string, password: string) =>
  new Promise<number>((resolve, reject) => {
    const body = JSON.stringify({ email, password });
    const req = request(
      `${s.url}/auth/sign-in`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });

describe('sign-in throttling', () => {
  it('refuses guesses after 10 wrong passwords with 429 TOO_MANY_REQUESTS and Retry-After, before scrypt', async () => {
    const scryptBefore = await scryptRuns();
    const refusedBefore = await throttled('signInFailuresPerAccountAndAddress');
    const statuses: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const before = await scryptRuns();
      const res = await signIn('victim@throttle.test', `guess ${i}`);
      statuses.push(res.status);
      if (i === 30) {
        // The 30th guess cost no scrypt at all.
        expect(await scryptRuns()).toBe(before);
        expect(code(res)).toBe('TOO_MANY_REQUESTS');
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      }
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), ...Array<number>(20).fill(429)]);
    expect((await scryptRuns()) - scryptBefore).toBe(10);
    expect((await throttled('signInFailuresPerAccountAndAddress')) - refusedBefore).toBe(20);

    // The right password does not get through the lockout either, and costs no scrypt.
    const before = await scryptRuns();
    const right = await signIn('victim@throttle.test', PASSWORD);
    expect([right.status, code(right)]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(await scryptRuns()).toBe(before);
  });

  it('holds across server replicas: the counters are in PostgreSQL', async () => {
    for (let i = 0; i < 10; i++) expect((await signIn('victim@throttle.test', 'wrong')).status).toBe(401);

    // Another replica: its own pool and its own limiter objects, the same database.
    const pool = createPool(s.dbUrl);
    try {
      const other = new Throttle(pool, LIMITS);
      const headers: Record<string, string> = {};
      const res = { setHeader: (k: string, v: string) => void (headers[k] = v) };
      await expect(
        other.enter(
          // The guesses came from 127.0.0.1: the account-and-address counter is at its limit.
          [
            {
              limit: 'signInFailuresPerAccountAndAddress',
              subject: 'victim@throttle.test\n127.0.0.1',
              counts: 'failures',
            },
          ],
          res as never,
        ),
      ).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
      expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
  });

  // Attack (second review of #16, M2): 10 wrong passwords for a teacher's email from anywhere made
  // her right password 429 for 15 minutes. The owner's own address is now counted apart.
  it('does not let a stranger at another address lock the account owner out', async () => {
    for (let i = 0; i < 12; i++)
      expect(await signInFrom('127.0.0.5', 'victim@throttle.test', `guess ${i}`)).toBe(i < 10 ? 401 : 429);
    expect((await signIn('victim@throttle.test', PASSWORD)).status).toBe(200);
  });

  it('still stops a guesser spread over many addresses at the account-wide cap', async () => {
    const statuses: number[] = [];
    for (let a = 1; a <= 11; a++)
      for (let i = 0; i < 10; i++)
        statuses.push(await signInFrom(`127.0.1.${a}`, 'victim@throttle.test', `g${i}`));
    expect(statuses.slice(0, 100)).toEqual(Array<number>(100).fill(401));
    expect(statuses.slice(100)).toEqual(Array<number>(10).fill(429));
  });

  // Attack (#16, third review, M-B): 10 wrong passwords from each of 10 addresses filled the
  // account-wide counter and locked the owner out everywhere, at her usual address too.
  it('does not let a guesser spread over 10 addresses lock the owner out of her usual address', async () => {
    expect(await signInFrom('127.0.0.7', 'victim@throttle.test', PASSWORD)).toBe(200);
    for (let a = 11; a <= 20; a++)
      for (let i = 0; i < 10; i++)
        expect(await signInFrom(`127.0.1.${a}`, 'victim@throttle.test', `wrong${i}`)).toBe(401);
    expect(await signInFrom('127.0.0.7', 'victim@throttle.test', PASSWORD)).toBe(200);
    // Elsewhere the account-wide cap still holds, the right password included.
    expect(await signInFrom('127.0.2.1', 'victim@throttle.test', PASSWORD)).toBe(429);
  });

  // Third review of #16 (L2): right-password sign-ins are never throttled and each is a 32 MiB
  // scrypt; 16 at once of one account filled the thread pool ahead of everyone else's.
  it('runs the password checks of a flood of right-password sign-ins through the scrypt gate', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signInFrom(`127.0.3.${i + 1}`, 'victim@throttle.test', PASSWORD)),
    );
    expect(statuses).toEqual(Array<number>(12).fill(200));
    expect(scryptGate.peak).toBe(SCRYPT_CONCURRENCY);
  });

  it('refuses an account its 121st right-password sign-in in the window, before scrypt, and only that account', async () => {
    await s.user('looper@throttle.test', ['student']); // signs in once
    for (let i = 1; i < THROTTLE_LIMITS.signInSuccessesPerAccount.points; i++)
      expect((await signIn('looper@throttle.test', PASSWORD)).status, `sign-in ${i}`).toBe(200);
    const scryptBefore = await scryptRuns();
    const res = await signIn('looper@throttle.test', PASSWORD);
    expect([res.status, code(res)]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(await scryptRuns()).toBe(scryptBefore);
    expect((await signIn('victim@throttle.test', PASSWORD)).status).toBe(200);
  });

  it('gives an account a clean slate after a successful sign-in', async () => {
    for (let i = 0; i < 9; i++) expect((await signIn('victim@throttle.test', 'wrong')).status).toBe(401);
    expect((await signIn('victim@throttle.test', PASSWORD)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await signIn('victim@throttle.test', 'wrong')).status).toBe(401);
    expect((await signIn('victim@throttle.test', 'wrong')).status).toBe(429);
  });

  it('counts an address by its failures, not its successes: 30 laptops behind one NAT sign in at 8:00', async () => {
    for (let i = 0; i < 60; i++) expect((await signIn('victim@throttle.test', PASSWORD)).status).toBe(200);
    // A password sprayer from that address, one guess per account, is stopped at 40.
    for (let i = 0; i < 40; i++) expect((await signIn(`user${i}@throttle.test`, 'guess')).status).toBe(401);
    const res = await signIn('newcomer@throttle.test', PASSWORD);
    expect([res.status, code(res)]).toEqual([429, 'TOO_MANY_REQUESTS']);
  });

  // Attack (#16, after the second review): 100 failures from one address (a school behind NAT)
  // blocked every account from that address for 15 minutes, the teacher's right password included.
  it("does not let a class's wrong passwords from the school's address lock out a teacher who signs in there", async () => {
    await s.user('teacher@throttle.test', ['student']);
    expect((await signIn('teacher@throttle.test', PASSWORD)).status).toBe(200);
    // 30 pupils, 2 typos each, from the same NAT address: the per-address counter (40) fills.
    const statuses: number[] = [];
    for (let pupil = 0; pupil < 30; pupil++)
      for (let i = 0; i < 2; i++)
        statuses.push((await signIn(`pupil${pupil}@throttle.test`, `typo ${i}`)).status);
    expect(statuses.slice(0, 40)).toEqual(Array<number>(40).fill(401));
    expect(statuses.slice(40)).toEqual(Array<number>(20).fill(429));
    // A spray across accounts that never signed in from this address is still refused, right
    // password or not, before any scrypt; the teacher, who did, still gets in.
    const scryptBefore = await scryptRuns();
    const spray = await signIn('victim@throttle.test', PASSWORD);
    expect([spray.status, code(spray)]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(await scryptRuns()).toBe(scryptBefore);
    expect((await signIn('teacher@throttle.test', PASSWORD)).status).toBe(200);
    // Spared from the address counter only: her own account's counters still hold.
    for (let i = 0; i < 10; i++) expect((await signIn('teacher@throttle.test', 'wrong')).status).toBe(401);
    expect((await signIn('teacher@throttle.test', PASSWORD)).status).toBe(429);
  });

  // Second review of #16 (suspected): a refused request went on counting the rules after the full
  // one, creating a counter row for every account or device id a flooder names.
  it('creates no counter rows for a refused request', async () => {
    for (let i = 0; i < 40; i++) expect((await signIn(`spray${i}@throttle.test`, 'guess')).status).toBe(401);
    const before = await counterRows();
    for (let i = 0; i < 5; i++) expect((await signIn(`chosen${i}@throttle.test`, 'guess')).status).toBe(429);
    expect(await counterRows()).toBe(before);
  });
});

describe('refresh and enrollment throttling', () => {
  // Attack (#16, third review): refused refreshes from a shared address (a school's NAT) used to
  // refuse every valid refresh there for 15 minutes, signing the whole school out.
  it('refuses junk refresh tokens from an address after 5 refused ones, but not a valid token', async () => {
    const tokens = (await signIn('victim@throttle.test', PASSWORD)).body as TokenResponse;
    const junk = () =>
      s.call('POST', '/auth/refresh', { body: { refresh_token: randomBytes(32).toString('base64url') } });
    for (let i = 0; i < 5; i++) expect((await junk()).status).toBe(401);
    const refusedBefore = await throttled('refreshFailuresPerAddress');
    const spray = await junk();
    expect([spray.status, code(spray)]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(Number(spray.headers.get('retry-after'))).toBeGreaterThan(0);

    // The pupil's laptop on the same address (127.0.0.1) refreshes as if nothing happened.
    const res = await s.call('POST', '/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
    expect(res.status).toBe(200);
    const next = res.body as TokenResponse;
    // Its old token, now rotated, is junk like any other: refused before it reaches the tokens (no
    // reuse detection, which would revoke the new one).
    const replay = await s.call('POST', '/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
    expect([replay.status, code(replay)]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect((await junk()).status).toBe(429);
    expect((await throttled('refreshFailuresPerAddress')) - refusedBefore).toBe(3);
    const revoked = await s.pool.query(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE revoked_at IS NOT NULL',
    );
    expect(revoked.rows[0]).toEqual({ n: 1 });
    expect(
      (await s.call('POST', '/auth/refresh', { body: { refresh_token: next.refresh_token } })).status,
    ).toBe(200);
  });

  it('refuses enrollment code guesses from an address after 3 wrong codes', async () => {
    for (const guess of ['AAAA-BBBB-CCCC', 'AAAA-BBBB-CCCD', 'AAAA-BBBB-CCCE']) {
      expect(code(await enrollGuess(guess))).toBe('ENROLLMENT_CODE_INVALID');
    }
    const res = await enrollGuess('AAAA-BBBB-CCCF');
    expect([res.status, code(res)]).toEqual([429, 'TOO_MANY_REQUESTS']);
  });

  // Attack (#16, third review): wrong codes from a shared address (a school's NAT) used to refuse
  // every genuine enrollment there for an hour.
  it('lets an enrollment with a valid code through from an address flooded with wrong codes', async () => {
    const issued = await s.call('POST', '/offline/enrollment-codes', {
      token: admin,
      body: { tenant_type: 'school', tenant_id: 'school_1', country: 'SN', currency_default: 'XOF' },
    });
    expect(issued.status).toBe(201);
    const valid = (issued.body as { code: string }).code;
    for (let i = 0; i < LIMITS.enrollFailuresPerAddress.points; i++)
      expect(code(await enrollGuess('AAAA-BBBB-CCCC'))).toBe('ENROLLMENT_CODE_INVALID');
    const refusedBefore = await throttled('enrollFailuresPerAddress');
    expect(code(await enrollGuess('AAAA-BBBB-CCCD'))).toBe('TOO_MANY_REQUESTS');

    // The school's laptop on the same address (127.0.0.1) enrols with the code it was given.
    expect((await enrollGuess(valid)).status).toBe(201);
    // Spent, the code is a wrong code like any other: refused before it is looked at again.
    expect(code(await enrollGuess(valid))).toBe('TOO_MANY_REQUESTS');
    expect(code(await enrollGuess('AAAA-BBBB-CCCE'))).toBe('TOO_MANY_REQUESTS');
    expect((await throttled('enrollFailuresPerAddress')) - refusedBefore).toBe(3);
  });

  // Attack (#16, twelfth pass L-A): a stranger with no code names a till's id, signs with a key of
  // his own and a made-up code; his tries filled the till's per-device counter and its genuine
  // re-enrollment with a fresh code was 429 for an hour, every hour.
  it("lets a till re-enroll with a valid code after a stranger's tries under its id fill its counter", async () => {
    const issue = async () => {
      const issued = await s.call('POST', '/offline/enrollment-codes', {
        token: admin,
        body: { tenant_type: 'merchant', tenant_id: 'm-1', country: 'SN', currency_default: 'XOF' },
      });
      expect(issued.status).toBe(201);
      return (issued.body as { code: string }).code;
    };
    const till = newDevice('POS');
    expect((await enrollSigned(s, till, await issue())).status).toBe(201);
    const stranger = () => ({ ...newDevice('EVIL'), id: till.id });
    // The till's own enrollment was the first attempt under its id; the stranger fills the rest.
    for (let i = 1; i < LIMITS.enrollAttemptsPerDevice.points; i++)
      expect(code(await enrollSigned(s, stranger(), 'AAAA-BBBB-CCCC'))).toBe('ENROLLMENT_CODE_INVALID');
    const refusedBefore = await throttled('enrollAttemptsPerDevice');
    expect(code(await enrollSigned(s, stranger(), 'AAAA-BBBB-CCCD'))).toBe('TOO_MANY_REQUESTS');
    expect((await throttled('enrollAttemptsPerDevice')) - refusedBefore).toBe(1);

    // Its data directory deleted, the till comes back with the code its manager just gave it.
    const again = await enrollSigned(s, till, await issue());
    expect(again.status).toBe(201);
    expect((again.body as { device: { device_id: string } }).device.device_id).toBe(till.id);
    // The stranger's made-up codes are still refused before they are looked at.
    expect(code(await enrollSigned(s, stranger(), 'AAAA-BBBB-CCCE'))).toBe('TOO_MANY_REQUESTS');
  });
});

describe('push throttling', () => {
  it('refuses a device its 3rd push in the window, and only that device', async () => {
    const till = await enrollTerminal(s, admin);
    const other = await enrollTerminal(s, admin);
    for (let i = 0; i < 2; i++) expect((await push(s, await till.bundle(till.sales(1)))).status).toBe(200);
    const envelope = await till.bundle(till.sales(1));
    const refused = await push(s, envelope);
    expect([refused.status, refused.body.error?.code]).toEqual([429, 'TOO_MANY_REQUESTS']);
    const stored = await s.pool.query('SELECT 1 FROM offline_tx_bundles WHERE bundle_id = $1', [
      envelope.bundle_id,
    ]);
    expect(stored.rowCount).toBe(0);
    expect((await push(s, await other.bundle(other.sales(1)))).status).toBe(200);
  });

  // Attack (second review of #16, M1): 300 malformed pushes from one address made that address's
  // genuine signed pushes 429 for 15 minutes: anyone behind a till's NAT could stop its sales.
  it("lets a till's signed push through from an address flooded with junk, and keeps refusing the junk", async () => {
    const till = await enrollTerminal(s, admin);
    const junk = () => s.call('POST', '/offline/push', { body: { v: 1, device_id: 'x' } });
    for (let i = 0; i < LIMITS.pushFailuresPerAddress.points; i++) expect((await junk()).status).toBe(400);
    const refusedBefore = await throttled('pushFailuresPerAddress');
    const flood = await junk();
    expect([flood.status, code(flood)]).toEqual([429, 'TOO_MANY_REQUESTS']);

    // The till, on the same address (127.0.0.1), pushes as if nothing happened.
    const envelope = await till.bundle(till.sales(1));
    const accepted = await push(s, envelope);
    expect([accepted.status, accepted.body.status]).toEqual([200, 'accepted']);
    // A copy of its bundle with a forged signature is junk like any other: still refused.
    const sig = envelope.signature;
    const forged = await push(s, { ...envelope, signature: (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1) });
    expect([forged.status, forged.body.error?.code]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect((await throttled('pushFailuresPerAddress')) - refusedBefore).toBe(2);
  });

  it('creates no counter row for the device id a refused enrollment names', async () => {
    for (let i = 0; i < LIMITS.enrollFailuresPerAddress.points; i++)
      expect(code(await enrollGuess('AAAA-BBBB-CCCC'))).toBe('ENROLLMENT_CODE_INVALID');
    const before = await counterRows();
    for (let i = 0; i < 3; i++) expect(code(await enrollGuess('AAAA-BBBB-CCCC'))).toBe('TOO_MANY_REQUESTS');
    expect(await counterRows()).toBe(before);
  });
});
