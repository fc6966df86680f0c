import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON: the exact bytes a signature covers, so signer and verifier agree
 * whatever order their JSON libraries write keys in. Values JSON cannot carry exactly are refused
 * rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  trail.length = 0;
  assertExact(value);
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('Value has no JSON form');
  return text;
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Deeper than this is a cycle or an attack, not a document anyone signs. */
const MAX_DEPTH = 256;

/**
 * Where the check is (keys and indexes from the root), turned into a path only for an error: the
 * server checks every sale of every pushed bundle, and building a path string per value cost more
 * than the check itself.
 */
const trail: Array<string | number> = [];

function refuse(why: string): TypeError {
  const path = trail.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
  return new TypeError(`$${path}: ${why}`);
}

function assertExact(value: unknown): void {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw refuse(`${value} has no JSON form`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw refuse(`${value} is beyond 2^53 and would not survive a round trip`);
      }
      return;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw refuse(`a ${typeof value} has no JSON form`);
    case 'object': {
      if (value === null) return;
      if (trail.length >= MAX_DEPTH) throw refuse(`nested deeper than ${MAX_DEPTH} (a cycle?)`);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          trail.push(i);
          assertExact(value[i]);
          trail.pop();
        }
        return;
      }
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        trail.push(key);
        const item = record[key];
        if (item === undefined) throw refuse('undefined has no JSON form');
        assertExact(item);
        trail.pop();
      }
      return;
    }
    default:
      return;
  }
}
