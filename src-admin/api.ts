import type { ConsoleSession } from '../protocol/http/console';

/** A refusal from the server: its own code and English message; the console shows both, translated. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's `error.details`: e.g. each invalid field, or each bad line of a CSV. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let csrf = '';

/** The session's CSRF token, sent in X-CSRF-Token with every state-changing request. */
export function useSession(session: ConsoleSession | undefined): void {
  csrf = session?.csrf_token ?? '';
}

/** Same-origin JSON to the server; the session cookie rides along, the CSRF token in a header. */
export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached');
  }
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => undefined)) as
    { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  if (!res.ok)
    throw new ApiError(
      res.status,
      json?.error?.code ?? `HTTP_${res.status}`,
      json?.error?.message ?? res.statusText,
      json?.error?.details,
    );
  return json as T;
}
