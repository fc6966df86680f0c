import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const PUSH_REQUEST = 'POST /offline/push ';
/** The first line of an HTTP/1.1 request: where a new request starts on a kept-alive connection. */
const REQUEST_LINE = /^[A-Z]+ \/\S* HTTP\/1\.1\r\n/;

export interface Forwarder {
  /** The fixed address the till is given; it outlives every server behind it. */
  url: string;
  /** Where new connections go from now on (a restarted server listens on a new port). */
  retarget(url: string): void;
  /** Closes every open connection, so kept-alive ones do not outlive a retarget. */
  disconnect(): void;
  /**
   * Offline: new connections go to a loopback port nobody listens on, and every open one (kept-alive
   * ones too) ends. `retarget` plugs the server back in.
   */
  unplug(): void;
  /**
   * The next push's answer is kept from the till. Resolves, with the answer's index in pushAnswers,
   * once the server has started sending it, which it does only after its COMMIT; the connection to
   * the till then dies with the server's.
   */
  holdNextPushAnswer(): Promise<number>;
  /** What the server answered to each push, as text, forwarded or held. */
  pushAnswers: string[];
  close(): Promise<void>;
}

/**
 * A TCP forwarder on a fixed loopback port, as a load balancer in front of a server that restarts.
 * Bytes pass untouched both ways; a closed or refused connection on one side closes the other, so
 * a killed server looks to the till exactly like a killed server.
 */
export async function startForwarder(target: string): Promise<Forwarder> {
  let port = Number(new URL(target).port);
  let holdNext: ((index: number) => void) | null = null;
  const pushAnswers: string[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined); // the close below says all we need
      s.on('close', () => sockets.delete(s));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());

    // The push whose answer is in flight on this connection, if any (one request at a time).
    let push: { index: number; hold: ((index: number) => void) | null } | null = null;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (REQUEST_LINE.test(text)) {
        push = null;
        if (text.startsWith(PUSH_REQUEST)) {
          push = { index: pushAnswers.push('') - 1, hold: holdNext };
          holdNext = null;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (push) pushAnswers[push.index] += chunk.toString('utf8');
      if (push?.hold) {
        push.hold(push.index);
        return;
      }
      client.write(chunk);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    retarget(url) {
      port = Number(new URL(url).port);
    },
    disconnect() {
      for (const s of sockets) s.destroy();
    },
    unplug() {
      port = 9;
      for (const s of sockets) s.destroy();
    },
    holdNextPushAnswer() {
      return new Promise((resolve) => (holdNext = resolve));
    },
    pushAnswers,
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** The body of the last push answer the forwarder saw, parsed: its status and reason codes. */
export function lastPushAnswer(forwarder: Forwarder): { status: string; reasons: string[] } {
  const answer = JSON.parse(forwarder.pushAnswers.at(-1)!.split('\r\n\r\n').pop()!) as {
    status: string;
    reasons: { code: string }[];
  };
  return { status: answer.status, reasons: answer.reasons.map((r) => r.code) };
}
