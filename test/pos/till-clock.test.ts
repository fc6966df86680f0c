import { afterEach, describe, expect, it } from 'vitest';
import { memorySettings } from '../support/memory-settings';
import {
  settingsClockPersistence,
  TillClock,
  type TillClockSources,
} from '../../src-main/core/pos/till-clock';

/**
 * Security review L1 (issue #18 item 8): the till's limits followed the OS clock. These wind a
 * till's OS clock as a cashier could and show the clock for money does not follow it, within a run
 * and across restarts, on the real settings collection the core keeps it in.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-02T10:00:00Z');

/** The machine as the clock sees it: an OS clock anyone can set, and real time passing. */
function machine() {
  const m = { system: T0, mono: 0, uptime: 5 * HOUR, bootId: 'boot-1' as string | null };
  const sources: TillClockSources = {
    system: () => m.system,
    monotonic: () => m.mono,
    boot: () => ({ id: m.bootId, uptimeMs: m.uptime }),
  };
  const pass = (ms: number) => {
    m.system += ms;
    m.mono += ms;
    m.uptime += ms;
  };
  return { m, sources, pass };
}

const stores: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (stores.length) await stores.pop()!.close();
});

async function setup() {
  const store = await memorySettings();
  stores.push(store);
  const persistence = settingsClockPersistence(store.collection);
  const mc = machine();
  const open = () => TillClock.open(mc.sources, persistence);
  return { ...mc, open };
}

describe('the till clock for money', () => {
  it('attack: the OS clock wound forward or back within a run moves nothing', async () => {
    const { m, pass, open } = await setup();
    const clock = await open();
    await clock.serverContact(T0);
    pass(HOUR);
    m.system += DAY; // a day forward: the daily count would start again
    expect(clock.now()).toBe(T0 + HOUR);
    m.system -= 4 * DAY; // three days back: the 72-hour block would lift
    expect(clock.now()).toBe(T0 + HOUR);
    expect(clock.skewMs()).toBe(-3 * DAY);
  });

  it('attack: wound either way, then the app restarted in the same boot, counts real time only', async () => {
    const { m, pass, open } = await setup();
    const first = await open();
    await first.serverContact(T0);
    pass(2 * HOUR);
    await first.close();

    m.system += DAY;
    pass(10_000);
    m.mono = 0; // a new process
    const forward = await open();
    expect(forward.now()).toBe(T0 + 2 * HOUR + 10_000);
    await forward.close();

    m.system -= 5 * DAY;
    pass(10_000);
    m.mono = 0;
    const back = await open();
    expect(back.now()).toBe(T0 + 2 * HOUR + 20_000);
    await back.close();
  });

  it('attack: after a reboot the OS clock wound back is clamped at the mark saved before', async () => {
    const { m, pass, open } = await setup();
    const first = await open();
    await first.serverContact(T0);
    pass(HOUR);
    await first.close();

    m.bootId = 'boot-2';
    m.uptime = 60_000;
    m.mono = 0;
    m.system = T0 - 3 * DAY;
    const rebooted = await open();
    expect(rebooted.now()).toBe(T0 + HOUR);
  });

  it('follows the server both ways: a signed time behind the mark moves it back', async () => {
    const { m, pass, open } = await setup();
    // First start with the OS clock two hours ahead and no server contact yet.
    m.system = T0 + 2 * HOUR;
    const clock = await open();
    expect(clock.now()).toBe(T0 + 2 * HOUR);
    await clock.serverContact(T0);
    expect(clock.now()).toBe(T0);
    expect(clock.skewMs()).toBe(2 * HOUR);
    pass(1_000);
    expect(clock.now()).toBe(T0 + 1_000);
    expect(clock.snapshot()).toMatchObject({ offsetMs: -2 * HOUR, highWaterMs: T0 + 1_000 });
  });

  it('starts from the offset learnt at enrollment when it has no state of its own', async () => {
    const store = await memorySettings();
    stores.push(store);
    const { sources } = machine();
    const clock = await TillClock.open(sources, settingsClockPersistence(store.collection), -2 * HOUR);
    expect(clock.now()).toBe(T0 - 2 * HOUR);
  });
});
