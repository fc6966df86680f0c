import canonicalize from 'canonicalize';

/**
 * RFC 8785 (JCS) canonical JSON: the exact bytes a signature covers, so signer and verifier agree
 * whatever order their JSON libraries write keys in. Values JSON cannot carry exactly are refused
 * rather than silently changed.
 *
 * RFC 8785 is ES JSON.stringify with every object's keys sorted by UTF-16 code units. When the value
 * is plain objects and arrays whose keys are already in that order — anything JSON.parse read from
 * canonical JSON, such as the sales of a pushed bundle — JSON.stringify writes the same bytes as
 * `canonicalize`, natively and several times faster; the check for that order rides on the walk
 * that refuses inexact values. Any other value goes through `canonicalize`.
 */
export function canonicalJson(value: unknown): string {
  trail.length = 0;
  ordered = true;
  assertExact(value);
  const text = ordered ? JSON.stringify(value) : canonicalize(value);
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

/** Cleared by the walk on the first object that is not plain or whose keys are out of RFC 8785 order. */
let ordered = true;

/** String.prototype.isWellFormed (ES2024, Node 20+), which our ES2023 lib does not declare. */
const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

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
    case 'string':
      // canonicalize refuses lone surrogates, which JSON.stringify would escape.
      if (!wellFormed(value)) ordered = false;
      return;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw refuse(`a ${typeof value} has no JSON form`);
    case 'object': {
      if (value === null) return;
      if (trail.length >= MAX_DEPTH) throw refuse(`nested deeper than ${MAX_DEPTH} (a cycle?)`);
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) ordered = false;
        for (let i = 0; i < value.length; i++) {
          // canonicalize skips holes where JSON.stringify writes null: leave those to canonicalize.
          if (value[i] === undefined) ordered = false;
          trail.push(i);
          assertExact(value[i]);
          trail.pop();
        }
        return;
      }
      // Not plain (a Date, a boxed string, a class): canonicalize decides what it becomes.
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) ordered = false;
      const record = value as Record<string, unknown>;
      let previous: string | undefined;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        // String `<` compares UTF-16 code units, RFC 8785's order; this is the order JSON.stringify
        // writes in (V8 puts integer-like keys first, which shows up here as out of order).
        if ((previous !== undefined && !(previous < key)) || !wellFormed(key)) ordered = false;
        previous = key;
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
