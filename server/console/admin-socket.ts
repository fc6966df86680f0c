import { chmod, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import { Email, NewPassword, Role } from '../../protocol/http';
import type { ScryptCost } from '../auth/passwords';
import { createUser, UserExistsError } from '../auth/users';
import type { Logger } from '../logger';

/**
 * `npm run admin:create` while the server runs (issue #19). The embedded database is the running
 * server's alone (its directory lock, server/db/dir-lock.ts, stays as it is), so the CLI asks the
 * server instead, over a Unix socket in the server's private directory (<dataDir>/server, 0700,
 * server/private-dir.ts): only the server's OS user (and root) can reach it, the same people who
 * could read master.key and the database files anyway. Not on Windows (no such socket there): stop
 * the server to run the CLI, or use the setup link.
 */
export function adminSocketPath(dataDir: string): string {
  return join(dataDir, 'server', 'admin.sock');
}

const CreateRequest = z.object({ email: Email, password: NewPassword, roles: z.array(Role).min(1) });

export async function startAdminSocket(
  path: string,
  deps: { pool: pg.Pool; scryptCost: ScryptCost; logger: Logger },
): Promise<() => Promise<void>> {
  // A socket file left by a crashed server: the directory lock already proved we own the data dir.
  await rm(path, { force: true });
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/users') return answer(404, { error: 'not found' });
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 16_384) req.destroy();
    });
    req.on('end', () => {
      let input: z.output<typeof CreateRequest>;
      try {
        input = CreateRequest.parse(JSON.parse(text));
      } catch {
        return answer(400, { error: 'expected { email, password (12+ characters), roles }' });
      }
      createUser(deps.pool, input, { type: 'system', id: 'admin-cli' }, deps.scryptCost).then(
        (user) => answer(201, user),
        (err: unknown) => {
          if (err instanceof UserExistsError) return answer(409, { error: err.message });
          deps.logger.error({ err }, 'admin socket: user creation failed');
          answer(500, { error: 'user creation failed: see the server log' });
        },
      );
    });
  });
  server.listen(path);
  await once(server, 'listening');
  await chmod(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
}

/** The CLI's side: undefined when no server listens on the socket (stopped, or never started). */
export function createUserThroughServer(
  path: string,
  body: { email: string; password: string; roles: string[] },
): Promise<
  { status: number; body: { error?: string; id?: string; email?: string; roles?: string[] } } | undefined
> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: path, method: 'POST', path: '/users', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? resolve(undefined) : reject(err),
    );
    req.end(JSON.stringify(body));
  });
}
