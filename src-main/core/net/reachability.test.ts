import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ReachabilityMonitor } from './reachability';

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
