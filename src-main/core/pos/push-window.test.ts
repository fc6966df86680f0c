import { describe, expect, it } from 'vitest';
import { pushWindow, type Schedule } from './push-window';

/** A scheduler the test fires by hand: no waiting on time. */
function manual() {
  const pending: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const schedule: Schedule = (fn, ms) => {
    const entry = { fn, ms, cancelled: false };
    pending.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };
  const fire = () => {
    for (const e of pending.splice(0)) if (!e.cancelled) e.fn();
  };
  return { schedule, pending, fire };
}

describe('online sales pushed in windows', () => {
  it('sales recorded within one window make one push, when the window closes', () => {
    const clock = manual();
    let pushes = 0;
    const window = pushWindow(() => pushes++, 3_000, clock.schedule);
    for (let i = 0; i < 5; i++) window.recorded();
    expect(pushes).toBe(0);
    expect(clock.pending.map((p) => p.ms)).toEqual([3_000]);
    clock.fire();
    expect(pushes).toBe(1);
    // The next sale opens a new window: a till that never pauses still pushes every window.
    window.recorded();
    clock.fire();
    expect(pushes).toBe(2);
  });

  it('a sale with an online authorisation pushes the window at once, and closes it', () => {
    const clock = manual();
    let pushes = 0;
    const window = pushWindow(() => pushes++, 3_000, clock.schedule);
    window.recorded();
    window.recorded(true);
    expect(pushes).toBe(1);
    clock.fire();
    expect(pushes).toBe(1);
  });

  it('a window of 0 pushes after every sale, as tills did before', () => {
    const clock = manual();
    let pushes = 0;
    const window = pushWindow(() => pushes++, 0, clock.schedule);
    for (let i = 0; i < 5; i++) window.recorded();
    expect(pushes).toBe(5);
    expect(clock.pending).toEqual([]);
  });

  it('stopped, a window open pushes nothing', () => {
    const clock = manual();
    let pushes = 0;
    const window = pushWindow(() => pushes++, 3_000, clock.schedule);
    window.recorded();
    window.stop();
    clock.fire();
    expect(pushes).toBe(0);
  });
});
