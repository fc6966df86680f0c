import { describe, expect, it } from 'vitest';
import { licenceTimeState } from '../../../protocol/licence';
import { SecureClock, type SecureClockPersistence, type SecureClockState } from './secure-clock';
import type { VerifiedStatement } from '@outpost/terminal-sdk';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 5, 1, 12);

/** A system clock the test sets like a user would, and a monotonic one only the test advances. */
function fakeSources() {
  const s = { system: T0, mono: 1000 };
  return {
    s,
    sources: { system: () => s.system, monotonic: () => s.mono },
    /** Real time passing: both clocks move. */
    pass(ms: number) {
      s.system += ms;
      s.mono += ms;
    },
  };
}

function memoryPersistence(): SecureClockPersistence & { saved: SecureClockState | null } {
  const p = {
    saved: null as SecureClockState | null,
    load: () => Promise.resolve(p.saved),
    save: (state: SecureClockState) => {
      p.saved = state;
      return Promise.resolve();
    },
  };
  return p;
}

/** The clock trusts what checkStatement passed; its checks are tested in test/integration/reader-trust.test.ts. */
const signedAt = (ms: number) => ({ server_time: new Date(ms).toISOString() }) as VerifiedStatement;

const licence = { expires_at: new Date(T0 + 30 * 24 * HOUR).toISOString(), offline_grace_hours: 72 };

describe('SecureClock', () => {
  it('follows the system clock while nothing odd happens', async () => {
    const f = fakeSources();
    const clock = await SecureClock.open(f.sources, memoryPersistence());
    expect(clock.now()).toBe(T0);
    f.pass(5000);
    expect(clock.now()).toBe(T0 + 5000);
  });

  it('gains nothing when the system clock is wound back, in this run or after a restart', async () => {
    const f = fakeSources();
    const persistence = memoryPersistence();
    const clock = await SecureClock.open(f.sources, persistence);
    await clock.serverContact(signedAt(T0));
    f.pass(71 * HOUR);
    expect(
      licenceTimeState(licence, { trustedNow: clock.now(), lastCheckIn: clock.lastCheckIn! }).state,
    ).toBe('valid');
    // The user sets the OS clock back two days, then two hours pass.
    f.s.system -= 48 * HOUR;
    f.pass(2 * HOUR);
    const now = clock.now();
    expect(now).toBe(T0 + 73 * HOUR);
    expect(licenceTimeState(licence, { trustedNow: now, lastCheckIn: clock.lastCheckIn! })).toMatchObject({
      state: 'offline_expired',
      code: 'LICENSE_OFFLINE_EXPIRED',
    });

    // Restart with the clock still wound back: the persisted high-water mark holds.
    await clock.flush();
    const f2 = { system: f.s.system, mono: 5 };
    const restarted = await SecureClock.open(
      { system: () => f2.system, monotonic: () => f2.mono },
      persistence,
    );
    expect(restarted.now()).toBeGreaterThanOrEqual(T0 + 73 * HOUR);
    expect(restarted.lastCheckIn).toBe(T0);
  });

  it('expires when the system clock is moved forward', async () => {
    const f = fakeSources();
    const clock = await SecureClock.open(f.sources, memoryPersistence());
    await clock.serverContact(signedAt(T0));
    f.s.system += 73 * HOUR;
    expect(
      licenceTimeState(licence, { trustedNow: clock.now(), lastCheckIn: clock.lastCheckIn! }).state,
    ).toBe('offline_expired');
    f.s.system += 31 * 24 * HOUR;
    expect(
      licenceTimeState(licence, { trustedNow: clock.now(), lastCheckIn: clock.lastCheckIn! }).state,
    ).toBe('expired');
  });

  it('never moves back on a signed earlier time, but counts it as a check-in', async () => {
    const f = fakeSources();
    const persistence = memoryPersistence();
    const clock = await SecureClock.open(f.sources, persistence);
    await clock.serverContact(signedAt(T0));
    f.pass(HOUR);
    // A statement from 100 h ago (a replay would fail its nonce; this one is genuine but late).
    await clock.serverContact(signedAt(T0 - 100 * HOUR));
    expect(clock.now()).toBe(T0 + HOUR);
    expect(clock.lastCheckIn).toBe(T0 + HOUR);
    expect(persistence.saved).toMatchObject({ lastCheckInMs: T0 + HOUR, highWaterMs: T0 + HOUR });
    // A later one moves it forward, and its offset keeps applying as time passes.
    await clock.serverContact(signedAt(T0 + 5 * HOUR));
    expect(clock.now()).toBe(T0 + 5 * HOUR);
    f.pass(HOUR);
    expect(clock.now()).toBe(T0 + 6 * HOUR);
    expect(
      licenceTimeState(licence, { trustedNow: clock.now(), lastCheckIn: clock.lastCheckIn! }).state,
    ).toBe('valid');
  });

  it('counts monotonic time even if the system clock stands still', async () => {
    const f = fakeSources();
    const clock = await SecureClock.open(f.sources, memoryPersistence());
    await clock.serverContact(signedAt(T0));
    f.s.mono += 10 * HOUR;
    expect(clock.now()).toBe(T0 + 10 * HOUR);
  });
});
