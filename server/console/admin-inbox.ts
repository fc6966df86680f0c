import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { z } from 'zod';
import { Email, NewPassword, Role } from '../../protocol/http';
import type { ScryptCost } from '../auth/passwords';
import { createUser, UserExistsError } from '../auth/users';
import type { Logger } from '../logger';

/**
 * `npm run admin:create` while the server runs (issue #19). The embedded database is the running
 * server's alone (its directory lock, server/db/dir-lock.ts, stays as it is, and the server opens
 * no socket besides its HTTP port: server/db/embedded-access.test.ts), so the CLI leaves a request
 * file in the server's private directory (<dataDir>/server/admin-inbox, 0700 inside the 0700 data
 * directory, server/private-dir.ts) and the server answers with a file beside it. Only the server's
 * OS user (and root) can write there: the same people who can read master.key and the database.
 */
export function adminInboxPath(dataDir: string): string {
  return join(dataDir, 'server', 'admin-inbox');
}

const CreateRequest = z.object({ email: Email, password: NewPassword, roles: z.array(Role).min(1) });
export interface InboxAnswer {
  status: number;
  error?: string;
  id?: string;
  email?: string;
  roles?: string[];
}

const REQUEST = /^([0-9a-f-]{36})\.request\.json$/;

async function writeAtomically(file: string, body: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(body), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

async function answer(
  inbox: string,
  id: string,
  deps: { pool: pg.Pool; scryptCost: ScryptCost; logger: Logger },
): Promise<void> {
  const file = join(inbox, `${id}.request.json`);
  const text = await readFile(file, 'utf8');
  // The request holds a password: it is gone before the answer is written.
  await rm(file, { force: true });
  let result: InboxAnswer;
  const parsed = CreateRequest.safeParse(JSON.parse(text));
  if (!parsed.success)
    result = { status: 400, error: 'expected { email, password (12+ characters), roles }' };
  else {
    try {
      result = {
        status: 201,
        ...(await createUser(deps.pool, parsed.data, { type: 'system', id: 'admin-cli' }, deps.scryptCost)),
      };
    } catch (err) {
      if (!(err instanceof UserExistsError)) deps.logger.error({ err }, 'admin inbox: user creation failed');
      result =
        err instanceof UserExistsError
          ? { status: 409, error: err.message }
          : { status: 500, error: 'user creation failed: see the server log' };
    }
  }
  await writeAtomically(join(inbox, `${id}.answer.json`), result);
}

/** Watches the inbox (a short poll: fs.watch is not reliable on every file system). */
export async function startAdminInbox(
  inbox: string,
  deps: { pool: pg.Pool; scryptCost: ScryptCost; logger: Logger },
  everyMs = 250,
): Promise<() => Promise<void>> {
  await mkdir(inbox, { recursive: true, mode: 0o700 });
  let busy: Promise<void> = Promise.resolve();
  const pass = async () => {
    for (const name of await readdir(inbox)) {
      const id = REQUEST.exec(name)?.[1];
      if (id)
        await answer(inbox, id, deps).catch((err: unknown) =>
          deps.logger.warn({ err, file: name }, 'admin inbox: request not answered'),
        );
    }
  };
  const timer = setInterval(() => {
    busy = busy.then(pass, pass);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await busy.catch(() => undefined);
  };
}

/** The CLI's side: leaves the request, waits for the running server's answer. */
export async function createUserThroughServer(
  inbox: string,
  body: { email: string; password: string; roles: string[] },
  timeoutMs = 60_000,
): Promise<InboxAnswer> {
  const id = randomUUID();
  await writeAtomically(join(inbox, `${id}.request.json`), body);
  const answerFile = join(inbox, `${id}.answer.json`);
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    const text = await readFile(answerFile, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      await rm(answerFile, { force: true });
      return JSON.parse(text) as InboxAnswer;
    }
  }
  await rm(join(inbox, `${id}.request.json`), { force: true });
  return { status: 504, error: 'the running server did not answer' };
}
