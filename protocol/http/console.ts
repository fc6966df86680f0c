import { z } from 'zod';
import { NewEmail, UserSummary } from './auth';
import { IsoDateTime, Role, ROLES, Uuid } from './common';

/**
 * The back office's routes (issue #19): the browser session of the console at /admin, the first
 * run's setup link, and people. Browser-safe (zod only): the console imports these schemas.
 */
export const ConsoleErrorCode = {
  /** A state-changing request made with the console's cookie lacks the session's CSRF token or comes from another origin. */
  CSRF_REJECTED: 'CSRF_REJECTED',
  /** The setup link is unknown, expired or already used. */
  SETUP_LINK_INVALID: 'SETUP_LINK_INVALID',
  /** A user exists already: the first-run setup is over, its link is dead. */
  SETUP_DONE: 'SETUP_DONE',
  /** No invitation or reset link has this token. */
  LINK_INVALID: 'LINK_INVALID',
  LINK_EXPIRED: 'LINK_EXPIRED',
  LINK_USED: 'LINK_USED',
  USER_EXISTS: 'USER_EXISTS',
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  /** The change would leave no enabled administrator (pay_admin) to manage people. */
  LAST_ADMIN: 'LAST_ADMIN',
  /** An invitation or reset link of a disabled user: it sets no password (red-team pass 11, L-4). */
  USER_DISABLED: 'USER_DISABLED',
} as const;
export type ConsoleErrorCode = (typeof ConsoleErrorCode)[keyof typeof ConsoleErrorCode];

export const CONSOLE_ERROR_STATUS: Record<ConsoleErrorCode, number> = {
  CSRF_REJECTED: 403,
  SETUP_LINK_INVALID: 403,
  SETUP_DONE: 409,
  LINK_INVALID: 404,
  LINK_EXPIRED: 410,
  LINK_USED: 410,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  LAST_ADMIN: 409,
  USER_DISABLED: 403,
};

/** The roles the first administrator gets: every role that manages something (docs/security.md). */
export const ADMINISTRATOR_ROLES = ['pay_admin', 'ops', 'teacher'] as const satisfies readonly Role[];
/** Who manages people in the console. */
export const PEOPLE_ROLES = ['pay_admin'] as const satisfies readonly Role[];

export const MIN_PASSWORD_LENGTH = 12;
export const NewPassword = z.string().min(MIN_PASSWORD_LENGTH).max(1024);

/** An opaque link token: 32 random bytes, base64url. */
export const LinkToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a link token');

export const ConsoleSession = z.object({
  user: UserSummary,
  /** Sent back in the X-CSRF-Token header of every state-changing request made with the cookie. */
  csrf_token: z.string(),
});
export type ConsoleSession = z.infer<typeof ConsoleSession>;

export const SetupStatus = z.object({ needed: z.boolean() });
export const SetupRequest = z.object({ token: LinkToken, email: NewEmail, password: NewPassword });

export const UserStatus = z.enum(['active', 'invited', 'disabled']);
export type UserStatus = z.infer<typeof UserStatus>;
export const PersonRecord = z.object({
  id: Uuid,
  email: z.string(),
  roles: z.array(Role),
  status: UserStatus,
  created_at: IsoDateTime,
});
export type PersonRecord = z.infer<typeof PersonRecord>;
export const PeopleList = z.object({ users: z.array(PersonRecord) });

const RoleSet = z
  .array(Role)
  .min(1)
  .max(ROLES.length)
  .transform((roles) => [...new Set(roles)]);
export const InviteRequest = z.object({ email: NewEmail, roles: RoleSet });
/** An invitation or a password reset: the token goes in `/admin/#link=<token>`. */
export const UserLink = z.object({ token: LinkToken, expires_at: IsoDateTime });
export type UserLink = z.infer<typeof UserLink>;
export const InviteResponse = z.object({ user: PersonRecord, link: UserLink });
export const UserIdParams = z.object({ id: Uuid });
export const RolesRequest = z.object({ roles: RoleSet });
export const StatusRequest = z.object({ disabled: z.boolean() });
export const AcceptLinkRequest = z.object({ token: LinkToken, password: NewPassword });
export const AcceptLinkResponse = z.object({ email: z.string() });
