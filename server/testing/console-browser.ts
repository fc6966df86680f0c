import { expect } from 'vitest';
import type { ConsoleSession, Role } from '../../protocol/http';
import { PASSWORD, type TestServer } from './harness';

/** What a browser keeps after signing in to the console: its cookie, and the page's CSRF token. */
export interface ConsoleBrowser {
  cookie: string;
  csrf: string;
  setCookie: string;
  user: ConsoleSession['user'];
}

/** Signs in as the console does; returns the cookie a browser would keep and the CSRF token. */
export async function consoleSignIn(
  s: TestServer,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<ConsoleBrowser> {
  const res = await s.call('POST', '/console/session', { body: { email, password }, headers });
  expect(res.status, res.text).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = res.body as ConsoleSession;
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrf_token, setCookie, user: body.user };
}

/** A request from the console page itself: cookie, CSRF token, same origin. */
export const fromConsole = (s: TestServer, b: ConsoleBrowser, method: string, path: string, body?: unknown) =>
  s.call(method, path, {
    ...(body === undefined ? {} : { body }),
    headers: { cookie: b.cookie, 'x-csrf-token': b.csrf, origin: s.url, 'sec-fetch-site': 'same-origin' },
  });

let seq = 0;
/** A new user with `roles`, signed in to the console. */
export async function signedInAs(s: TestServer, roles: Role[]): Promise<ConsoleBrowser & { id: string }> {
  const email = `console-${process.pid}-${++seq}@example.com`;
  const { id } = await s.user(email, roles);
  return { ...(await consoleSignIn(s, email)), id };
}
