import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  /** The one address every terminal is given. */
  url: string;
  /** Connections handed to each backend (by index), dead or alive. */
  connections: number[];
  /** Connections whose backend refused or dropped them (the client saw a reset or an early close). */
  failed: number[];
  close(): Promise<void>;
}

/**
 * A layer-4 load balancer with no health checks and no stickiness: each new connection goes to the
 * next backend in turn, and bytes pass untouched. A dead backend keeps getting its turn, as behind
 * a balancer that has not noticed yet: the client sees its connection reset and must retry, and its
 * next connection goes to the other backend. Terminals open one connection per request, so a
 * terminal's consecutive requests land on different servers: nothing may depend on stickiness.
 */
export async function startRoundRobin(backends: string[]): Promise<RoundRobin> {
  const ports = backends.map((b) => Number(new URL(b).port));
  const connections = ports.map(() => 0);
  const failed = ports.map(() => 0);
  const sockets = new Set<net.Socket>();
  let next = 0;

  const server = net.createServer((client) => {
    const i = next++ % ports.length;
    connections[i]!++;
    const upstream = net.connect(ports[i]!, '127.0.0.1');
    let answered = false;
    upstream.once('data', () => (answered = true));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('error', () => undefined); // the close below says all we need
    upstream.on('error', () => {
      if (!answered) failed[i]!++;
    });
    // A refused or reset backend resets the client too, as a balancer passing it through would.
    upstream.on('close', (hadError) => (hadError ? client.resetAndDestroy() : client.end()));
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    failed,
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
