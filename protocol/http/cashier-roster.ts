import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { signCanonical, verifyCanonical } from '../crypto/ed25519';
import { TenantId, TenantType } from './common';
import { MAX_ACTIVE_CASHIERS, ShopCashierId, ShopCashierRole } from './cashiers';

/**
 * The roster a till signs cashiers in with (issue #19, item 3): a tenant's cashiers as the back
 * office holds them, signed by the server's signing key, the key tills pin. It rides a till's pull
 * answer (`roster=1`), which also covers it in `answer_sha256`, so a proxy can neither strip nor
 * swap it in a live answer; the roster's own signature and `version` guard it wherever else it
 * comes from. A till applies a roster only when the signature verifies against the pinned key, it
 * names the till's own tenant, and its version is not below the one it holds (the same version
 * again, as every pull page carries, changes nothing): a roster from before a PIN reset or a disable
 * never brings an old PIN back.
 *
 * A cashier's PIN travels only here, as the scrypt verifier the till checks offline (the same shape
 * as the till's own accounts, src-main/core/pos/cashier-accounts.ts); a disabled cashier is listed
 * without one, so the till can say why their PIN is refused. A roster lists at most
 * MAX_ACTIVE_CASHIERS: every active cashier (the back office keeps no more), then disabled ones
 * while room is left; a cashier it does not list cannot sign in at all.
 */

const b64url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'base64url')
    .max(max);

export const PinVerifier = z.strictObject({
  v: z.literal(1),
  N: z
    .number()
    .int()
    .min(2 ** 10)
    .max(2 ** 20),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: b64url(64),
  hash: b64url(64),
});
export type PinVerifier = z.infer<typeof PinVerifier>;

export const RosterCashier = z.strictObject({
  cashier_id: ShopCashierId,
  name: z.string().min(1).max(100),
  role: ShopCashierRole,
  /** Null for a disabled cashier: the till refuses them with CASHIER_DISABLED. */
  pin: PinVerifier.nullable(),
});
export type RosterCashier = z.infer<typeof RosterCashier>;

export const CashierRoster = z.strictObject({
  v: z.literal(1),
  tenant_type: TenantType,
  tenant_id: TenantId,
  /** Raised by every change to the tenant's cashiers (add, PIN reset, disable, enable). */
  version: z.number().int().min(1),
  issued_at: z.iso.datetime({ offset: false }),
  cashiers: z.array(RosterCashier).max(MAX_ACTIVE_CASHIERS),
  server_key_id: z.string().min(1).max(64),
  signature: z.string(),
});
export type CashierRoster = z.infer<typeof CashierRoster>;

type Unsigned = Omit<CashierRoster, 'v' | 'signature' | 'server_key_id'>;

/** Server side: signs the canonical JSON of every field but `signature`, field by field. */
export function signRoster(key: { privateKey: KeyObject; kid: string }, content: Unsigned): CashierRoster {
  const unsigned = {
    v: 1 as const,
    tenant_type: content.tenant_type,
    tenant_id: content.tenant_id,
    version: content.version,
    issued_at: content.issued_at,
    cashiers: content.cashiers.map((c) => ({
      cashier_id: c.cashier_id,
      name: c.name,
      role: c.role,
      pin: c.pin && { v: 1 as const, N: c.pin.N, r: c.pin.r, p: c.pin.p, salt: c.pin.salt, hash: c.pin.hash },
    })),
    server_key_id: key.kid,
  };
  return CashierRoster.parse({ ...unsigned, signature: signCanonical(key.privateKey, unsigned) });
}

export type RosterRefusal = 'malformed' | 'signature' | 'tenant' | 'replayed';

export class RosterError extends Error {
  constructor(
    readonly reason: RosterRefusal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Till side: schema, the pinned key's signature, the till's own tenant, a version not below the one
 * held (apply it only when above). Throws RosterError; nothing is trusted before all four hold.
 */
export function verifyRoster(
  input: unknown,
  expected: { serverPublicKey: KeyObject; tenant: { type: string; id: string }; heldVersion: number },
): CashierRoster {
  const parsed = CashierRoster.safeParse(input);
  if (!parsed.success) throw new RosterError('malformed', 'the cashier roster is malformed');
  const { signature, ...unsigned } = parsed.data;
  if (!verifyCanonical(expected.serverPublicKey, unsigned, signature))
    throw new RosterError('signature', 'the cashier roster is not signed by the pinned server key');
  if (parsed.data.tenant_type !== expected.tenant.type || parsed.data.tenant_id !== expected.tenant.id)
    throw new RosterError('tenant', "the cashier roster is another shop's");
  if (parsed.data.version < expected.heldVersion)
    throw new RosterError(
      'replayed',
      `the cashier roster is version ${parsed.data.version}, older than the version ${expected.heldVersion} held`,
    );
  return parsed.data;
}
