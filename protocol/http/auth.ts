import { z } from 'zod';
import { text } from '../text';
import { base64urlBytes } from '../crypto/base64url';
import { Role, Uuid } from './common';

/** Lower-cased on input: accounts are unique per address whatever case is typed. */
export const Email = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@\p{C}]+@[^\s@\p{C}]+$/u, 'an email address')
  .toLowerCase();

/**
 * The address of an account being made (invitation, first-run setup, admin:create): the rule the
 * server holds every other address to (materials grants, a laptop's enrollment: zod's email), so
 * no look-alike ("ops@а.test" with a Cyrillic а), trailing dot or invisible character becomes an
 * account (red-team pass 11). Sign-in keeps `Email`, so an account made before still signs in.
 */
export const NewEmail = z.string().trim().toLowerCase().pipe(z.email().max(254));

export const Password = text(1024);

export const SignInRequest = z.object({ email: Email, password: Password });
export type SignInRequest = z.infer<typeof SignInRequest>;

export const UserSummary = z.object({ id: Uuid, email: z.string(), roles: z.array(Role) });
export type UserSummary = z.infer<typeof UserSummary>;

export const RefreshToken = base64urlBytes(32, 'an opaque refresh token:');

export const TokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  /** Seconds until the access token expires. */
  expires_in: z.number().int().positive(),
  refresh_token: RefreshToken,
  user: UserSummary,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const RefreshRequest = z.object({ refresh_token: RefreshToken });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const SignOutRequest = z.object({ refresh_token: RefreshToken });
export type SignOutRequest = z.infer<typeof SignOutRequest>;

export const NoContent = z.null();
