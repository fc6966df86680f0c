import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { ApiError, isAllowedServerUrl, SERVER_URL_NOT_HTTPS, unlisted } from '../../../../protocol/api';
import { signRequest } from '../../../../protocol/crypto';
import { httpErrorBodySchema } from '../../../../protocol/http';

export interface RequestOptions<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** Schema of a successful answer: a server answering off-contract is an error, not data. */
  response: S;
  bearer?: string;
  /** Signs the request with the device key (method, path, body hash, timestamp, nonce). */
  device?: { deviceId: string; key: KeyObject };
  timeoutMs?: number;
}

/**
 * The app's one way to talk to the server. Refusals keep the server's error code so the UI can say
 * what happened; network failures become UNAVAILABLE, which callers treat as "offline, retry later".
 */
export async function serverRequest<S extends z.ZodType>(
  baseUrl: string,
  options: RequestOptions<S>,
): Promise<z.output<S>> {
  // Checked here too, not only in Settings: an address stored before the rule (an enrollment's)
  // must not carry a password or a refresh token in clear over a network either.
  if (!isAllowedServerUrl(baseUrl))
    throw new ApiError(SERVER_URL_NOT_HTTPS, `The server address ${baseUrl} must use https://.`);
  const url = new URL(options.path, baseUrl);
  const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body) headers['content-type'] = 'application/json';
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.device) {
    Object.assign(
      headers,
      signRequest(options.device.key, {
        method: options.method,
        path: `${url.pathname}${url.search}`,
        body: body ?? Buffer.alloc(0),
        deviceId: options.device.deviceId,
      }),
    );
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (cause) {
    const reason =
      cause instanceof Error && cause.name === 'TimeoutError'
        ? 'did not answer in time'
        : 'cannot be reached';
    throw new ApiError('UNAVAILABLE', `The server at ${url.origin} ${reason}.`);
  }

  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const parsed = httpErrorBodySchema.safeParse(json);
    if (parsed.success) {
      const { code, message, details, statement } = parsed.data.error;
      throw new ApiError(unlisted(code), message, {
        status: response.status,
        ...(details === undefined ? {} : { details }),
        // A signed refusal (a push's): the caller checks it before acting on the refusal for good.
        ...(statement === undefined ? {} : { statement }),
      });
    }
    throw new ApiError('SERVER_ERROR', `The server answered ${response.status} ${response.statusText}.`, {
      status: response.status,
    });
  }
  const parsed = options.response.safeParse(json);
  if (!parsed.success) {
    throw new ApiError(
      'SERVER_ERROR',
      `The server's answer to ${options.method} ${url.pathname} was not understood.`,
    );
  }
  return parsed.data;
}
