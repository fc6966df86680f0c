/**
 * The server address rule (issue #16): the app sends passwords, refresh tokens, sales and licences
 * to it, so anything but this machine must be reached over https. Plain http stays allowed for
 * loopback only (127.0.0.0/8, ::1, localhost), where nothing crosses a network: the default
 * `npm run server` setup and tests.
 */
export const SERVER_URL_NOT_HTTPS = 'SERVER_URL_NOT_HTTPS';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host === '::1') return true;
  // WHATWG URL parsing has already normalised IPv4 spellings (0x7f.1, 2130706433) to dotted decimal.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True for https anywhere and http on loopback; false for http elsewhere and anything unparsable. */
export function isAllowedServerUrl(url: string): boolean {
  const parsed = parsedUrl(url);
  if (!parsed) return false;
  if (parsed.protocol === 'https:') return true;
  return parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname);
}

/**
 * A back office on this machine (the local shop's, issue #19): http on loopback, under `/admin/`.
 * The Electron shell opens only these in the system browser; every other new window stays refused.
 */
export function isLocalConsoleUrl(url: string): boolean {
  const parsed = parsedUrl(url);
  return (
    parsed !== null &&
    parsed.protocol === 'http:' &&
    isLoopbackHost(parsed.hostname) &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.pathname.startsWith('/admin/')
  );
}

function parsedUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
