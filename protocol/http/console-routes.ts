import { NoContent, SignInRequest, UserSummary } from './auth';
import { TrustErrorCode as E } from './codes';
import {
  AcceptLinkRequest,
  AcceptLinkResponse,
  ConsoleErrorCode,
  ConsoleSession,
  InviteRequest,
  InviteResponse,
  PEOPLE_ROLES,
  PeopleList,
  PersonRecord,
  RolesRequest,
  SetupRequest,
  SetupStatus,
  StatusRequest,
  UserIdParams,
  UserLink,
} from './console';

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
    errors: [C.SETUP_DONE, C.SETUP_LINK_INVALID, E.TOO_MANY_REQUESTS],
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
    errors: [C.LINK_INVALID, C.LINK_EXPIRED, C.LINK_USED, C.USER_DISABLED, E.TOO_MANY_REQUESTS],
  },
} as const; // checked as RouteSpecs where ./routes.ts spreads them into ROUTES
