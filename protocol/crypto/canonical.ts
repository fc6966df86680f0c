import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON: the exact bytes a signature covers, so signer and verifier agree
 * whatever order their JSON libraries write keys in. Values JSON cannot carry exactly are refused
 * rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  assertExact(value, '$');
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('Value has no JSON form');
  return text;
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function assertExact(value: unknown, path: string): void {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no JSON form`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new TypeError(`${path}: ${value} is beyond 2^53 and would not survive a round trip`);
      }
      return;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`${path}: a ${typeof value} has no JSON form`);
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => assertExact(item, `${path}[${i}]`));
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) throw new TypeError(`${path}.${key}: undefined has no JSON form`);
        assertExact(item, `${path}.${key}`);
      }
      return;
    default:
      return;
  }
}
