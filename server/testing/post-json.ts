import { request, type Agent } from 'node:http';

/**
 * One JSON POST over node:http, its answer as text. For load clients (bench, fleet tests): fetch
 * (undici) took ~3 ms of CPU per 70 kB push on a machine whose cores the server shares.
 * `agent: false` opens a connection per request, so a round-robin balancer sees each one.
 */
export function postJson(
  url: URL,
  body: string,
  agent: Agent | false,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
