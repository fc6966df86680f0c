import { createHmac, randomInt } from 'node:crypto';
import type { Queryable } from '../db/tx';

// Crockford base32: no I, L, O or U, so a code read aloud or off paper is hard to mistype.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 12; // 12 x 5 bits = 60 bits

export function generateEnrollmentCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(32)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/** Canonical form of what a person typed, or undefined if it cannot be a code. */
export function normalizeEnrollmentCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

/** Keyed, so a stolen table cannot be brute-forced over the 60-bit space without the master secret. */
export function hashEnrollmentCode(key: Buffer, normalized: string): string {
  return createHmac('sha256', key).update(normalized).digest('hex');
}

/**
 * Whether `typed` is a code an enrollment would redeem now (issued, unspent, not expired): one
 * keyed hash and one lookup on the hash's unique index. The throttle asks it only of an enrollment
 * from an address whose failure counter is full (server/throttle/rules.ts).
 */
export async function enrollmentCodeRedeemable(db: Queryable, key: Buffer, typed: string): Promise<boolean> {
  const normalized = normalizeEnrollmentCode(typed);
  if (!normalized) return false;
  const { rowCount } = await db.query(
    'SELECT 1 FROM enrollment_codes WHERE code_hash = $1 AND redeemed_at IS NULL AND expires_at > now()',
    [hashEnrollmentCode(key, normalized)],
  );
  return rowCount === 1;
}
