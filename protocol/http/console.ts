import { z } from 'zod';
import { Email, NoContent, SignInRequest, UserSummary } from './auth';
import { TrustErrorCode as E } from './codes';
import { IsoDateTime, Role, Uuid } from './common';
import type { RouteSpec } from './routes';

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
export const SetupRequest = z.object({ token: LinkToken, email: Email, password: NewPassword });

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
  .max(4)
  .transform((roles) => [...new Set(roles)]);
export const InviteRequest = z.object({ email: Email, roles: RoleSet });
/** An invitation or a password reset: the token goes in `/admin/#link=<token>`. */
export const UserLink = z.object({ token: LinkToken, expires_at: IsoDateTime });
export type UserLink = z.infer<typeof UserLink>;
export const InviteResponse = z.object({ user: PersonRecord, link: UserLink });
export const UserIdParams = z.object({ id: Uuid });
export const RolesRequest = z.object({ roles: RoleSet });
export const StatusRequest = z.object({ disabled: z.boolean() });
export const AcceptLinkRequest = z.object({ token: LinkToken, password: NewPassword });
export const AcceptLinkResponse = z.object({ email: z.string() });

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN, ConsoleErrorCode.CSRF_REJECTED] as const;
const C = ConsoleErrorCode;

/** Spread into ROUTES (./routes.ts): built, checked and documented like every other route. */
export const CONSOLE_ROUTES = {
  consoleSignIn: {
    method: 'POST',
    path: '/console/session',
    auth: 'public',
    summary:
      "The console's sign-in: sets an HttpOnly, SameSite=Strict session cookie (Secure over https) and returns the session's CSRF token. Same throttles as /auth/sign-in.",
    body: SignInRequest,
    status: 200,
    response: ConsoleSession,
    errors: [E.INVALID_CREDENTIALS, E.TOO_MANY_REQUESTS, ConsoleErrorCode.CSRF_REJECTED],
  },
  consoleSession: {
    method: 'GET',
    path: '/console/session',
    auth: 'public',
    summary: 'The signed-in console user and the CSRF token of the session cookie presented.',
    status: 200,
    response: ConsoleSession,
    errors: [E.UNAUTHENTICATED],
  },
  consoleSignOut: {
    method: 'DELETE',
    path: '/console/session',
    auth: 'public',
    summary: 'Ends the console session (server-side) and clears its cookie. Needs the X-CSRF-Token header.',
    status: 204,
    response: NoContent,
    errors: [C.CSRF_REJECTED],
  },
  setupStatus: {
    method: 'GET',
    path: '/console/setup',
    auth: 'public',
    summary: 'Whether the first administrator is still to be created (no user exists).',
    status: 200,
    response: SetupStatus,
    errors: [],
  },
  setup: {
    method: 'POST',
    path: '/console/setup',
    auth: 'public',
    summary:
      'First run: the one-time token of the setup link the server logs while no user exists creates the first administrator (roles pay_admin, ops, teacher). Once a user exists: 409 SETUP_DONE.',
    body: SetupRequest,
    status: 201,
    response: UserSummary,
    errors: [C.SETUP_DONE, C.SETUP_LINK_INVALID],
  },
  listPeople: {
    method: 'GET',
    path: '/console/users',
    auth: PEOPLE_ROLES,
    summary: 'Every user with roles and status (active, invited, disabled).',
    status: 200,
    response: PeopleList,
    errors: [...bearer],
  },
  invitePerson: {
    method: 'POST',
    path: '/console/users',
    auth: PEOPLE_ROLES,
    summary:
      'Invites a user: creates the account without a usable password and returns a single-use invitation link (7 days) where they set their own. Audited.',
    body: InviteRequest,
    status: 201,
    response: InviteResponse,
    errors: [...bearer, C.USER_EXISTS],
  },
  setPersonRoles: {
    method: 'POST',
    path: '/console/users/:id/roles',
    auth: PEOPLE_ROLES,
    summary: "Replaces a user's roles; effective on their next request. Audited.",
    params: UserIdParams,
    body: RolesRequest,
    status: 200,
    response: PersonRecord,
    errors: [...bearer, C.USER_NOT_FOUND, C.LAST_ADMIN],
  },
  setPersonStatus: {
    method: 'POST',
    path: '/console/users/:id/status',
    auth: PEOPLE_ROLES,
    summary:
      'Disables or enables a user. Disabling ends their console sessions and refresh tokens at once. Audited.',
    params: UserIdParams,
    body: StatusRequest,
    status: 200,
    response: PersonRecord,
    errors: [...bearer, C.USER_NOT_FOUND, C.LAST_ADMIN],
  },
  resetPersonPassword: {
    method: 'POST',
    path: '/console/users/:id/reset-link',
    auth: PEOPLE_ROLES,
    summary:
      'A single-use password reset link (24 hours) for a user; earlier unused links of theirs stop working. Audited.',
    params: UserIdParams,
    status: 201,
    response: UserLink,
    errors: [...bearer, C.USER_NOT_FOUND],
  },
  acceptLink: {
    method: 'POST',
    path: '/console/links/accept',
    auth: 'public',
    summary:
      "Sets the password of an invitation or reset link's user; the link is then used up, and a reset ends the user's sessions and refresh tokens.",
    body: AcceptLinkRequest,
    status: 200,
    response: AcceptLinkResponse,
    errors: [C.LINK_INVALID, C.LINK_EXPIRED, C.LINK_USED],
  },
} as const satisfies Record<string, RouteSpec>;
