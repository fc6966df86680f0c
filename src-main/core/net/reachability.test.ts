import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { nextProbeDelay, ReachabilityMonitor } from './reachability';

const servers: Server[] = [];
async function liveServer(status = 200): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => res.writeHead(req.url === '/health/live' ? status : 404).end());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** The first report in `state` (and, if given, whose last error matches `error`). */
const until = (m: ReachabilityMonitor, state: string, error?: RegExp) =>
  firstValueFrom(
    m.changes.pipe(filter((r) => r.state === state && (!error || error.test(r.lastError ?? '')))),
  );

describe('ReachabilityMonitor', () => {
  it('reports online, then offline when the server goes away, then online again', async () => {
    const { url, server } = await liveServer();
    const monitor = new ReachabilityMonitor(url, { intervalMs: 20, maxBackoffMs: 40 });
    monitor.start();
    expect((await until(monitor, 'online')).lastError).toBeNull();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    // A probe in flight while the server closes fails as "fetch failed"; the next ones are refused.
    const offline = await until(monitor, 'offline', /refused/);
    expect(offline.lastError).toMatch(/refused/);
    const port = Number(new URL(url).port);
    const again = createServer((_req, res) => res.writeHead(200).end());
    servers.push(again);
    await new Promise<void>((r) => again.listen(port, '127.0.0.1', r));
    await until(monitor, 'online');
    monitor.stop();
  });

  it('treats an error status as offline with the status in words', async () => {
    const { url } = await liveServer(503);
    const monitor = new ReachabilityMonitor(url, { intervalMs: 20 });
    monitor.start();
    expect((await until(monitor, 'offline')).lastError).toBe('Server answered 503');
    monitor.stop();
  });

  it('follows a new server address at once', async () => {
    const monitor = new ReachabilityMonitor('http://127.0.0.1:9', { intervalMs: 20, maxBackoffMs: 40 });
    monitor.start();
    await until(monitor, 'offline');
    const { url } = await liveServer();
    monitor.retarget(url);
    await until(monitor, 'online');
    monitor.stop();
  });
});

describe('the probe schedule (issue #23: jittered, backing off online and offline)', () => {
  const options = { intervalMs: 5000, maxBackoffMs: 30_000, idleMaxMs: 60_000 };
  const low = () => 0;
  const high = () => 1 - Number.EPSILON;

  it('doubles with each answer in a row up to the idle cap, drawn between half and all of it', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 20].map((answers) =>
      nextProbeDelay({ failures: 0, answers }, options, high),
    );
    expect(ceilings.map(Math.round)).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000]);
    const floors = [1, 2, 5].map((answers) => nextProbeDelay({ failures: 0, answers }, options, low));
    expect(floors).toEqual([2500, 5000, 30_000]);
  });

  it('doubles with each failure in a row up to the offline cap, drawn between half and all of it', () => {
    const ceilings = [1, 2, 3, 10].map((failures) => nextProbeDelay({ failures, answers: 0 }, options, high));
    expect(ceilings.map(Math.round)).toEqual([10_000, 20_000, 30_000, 30_000]);
    expect(nextProbeDelay({ failures: 3, answers: 0 }, options, low)).toBe(15_000);
  });

  /** 10,000 tills started in the same second, for 10 minutes: probes a second once settled (the last 5 minutes). */
  function fleet(random: () => number) {
    const tills = 10_000;
    const perSecond = new Map<number, number>();
    for (let t = 0; t < tills; t++) {
      let at = 0;
      for (let answers = 1; ; answers++) {
        at += nextProbeDelay({ failures: 0, answers }, options, random);
        if (at > 10 * 60_000) break;
        const second = Math.floor(at / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
    }
    const settled = [...perSecond].filter(([second]) => second >= 300).map(([, n]) => n);
    return { mean: settled.reduce((a, b) => a + b, 0) / 300, busiest: Math.max(...settled) };
  }

  it('10,000 tills started together spread out, and settle near 220 probes a second, not 2,000', () => {
    // A deterministic stand-in for Math.random (a linear congruential generator).
    let seed = 23;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const jittered = fleet(random);
    expect(jittered.mean).toBeLessThan(250);
    expect(jittered.busiest).toBeLessThan(500);
    // Without the jitter they would stay in step: the whole fleet in the same second.
    expect(fleet(high).busiest).toBe(10_000);
  });

  it('the monitor schedules each probe by that rule: longer while the server answers, reset when it fails', async () => {
    const { url, server } = await liveServer();
    const delays: number[] = [];
    let next: (() => void) | undefined;
    const monitor = new ReachabilityMonitor(url, {
      intervalMs: 1000,
      maxBackoffMs: 8000,
      idleMaxMs: 4000,
      random: high,
      schedule: (probe, delayMs) => {
        delays.push(Math.round(delayMs));
        next = probe;
        return { cancel: () => (next = undefined) };
      },
    });
    const probed = async (n: number) => {
      while (delays.length < n) await new Promise((r) => setImmediate(r));
    };
    monitor.start();
    await probed(1);
    for (let i = 2; i <= 4; i++) {
      next!();
      await probed(i);
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000]);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    for (let i = 5; i <= 8; i++) {
      next!();
      await probed(i);
    }
    expect(delays.slice(4)).toEqual([2000, 4000, 8000, 8000]);
    expect(monitor.current.state).toBe('offline');
    monitor.stop();
  });
});
