import { TrustErrorCode } from '../../protocol/http';
import { checkCredentials } from '../auth/service';
import { withTransaction } from '../db/tx';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { acceptLink, invitePerson, listPeople, resetLink, setDisabled, setRoles } from './people';
import { assertNotCrossSite, closeSession, findSession, openSession } from './session';
import { createFirstAdministrator, noUserYet } from './setup';

type ConsoleRoutes =
  | 'consoleSignIn'
  | 'consoleSession'
  | 'consoleSignOut'
  | 'setupStatus'
  | 'setup'
  | 'listPeople'
  | 'invitePerson'
  | 'setPersonRoles'
  | 'setPersonStatus'
  | 'resetPersonPassword'
  | 'acceptLink';

export function consoleHandlers(deps: TrustDeps): Pick<Handlers, ConsoleRoutes> {
  return {
    consoleSignIn: async ({ body, req, res }) => {
      assertNotCrossSite(req);
      const user = await checkCredentials(deps, body);
      if (!user) throw new HttpError(401, TrustErrorCode.INVALID_CREDENTIALS, 'Wrong email or password');
      return { body: await withTransaction(deps.pool, (client) => openSession(client, req, res, user)) };
    },
    consoleSession: async ({ req }) => {
      const session = await findSession(deps.pool, req);
      if (!session) throw new HttpError(401, TrustErrorCode.UNAUTHENTICATED, 'Not signed in');
      const { id, email, roles } = session.user;
      return { body: { user: { id, email, roles }, csrf_token: session.csrf } };
    },
    consoleSignOut: async ({ req, res }) => {
      await closeSession(deps.pool, req, res);
      return { body: null };
    },
    setupStatus: async () => ({ body: { needed: await noUserYet(deps.pool) } }),
    setup: async ({ body }) => ({ body: await createFirstAdministrator(deps.pool, body, deps.scryptCost) }),
    listPeople: async () => ({ body: { users: await listPeople(deps.pool) } }),
    invitePerson: async ({ body, user }) => ({
      body: await invitePerson(deps.pool, user, body, deps.scryptCost),
    }),
    setPersonRoles: async ({ params, body, user }) => ({
      body: await setRoles(deps.pool, user, params.id, body.roles),
    }),
    setPersonStatus: async ({ params, body, user }) => ({
      body: await setDisabled(deps.pool, user, params.id, body.disabled),
    }),
    resetPersonPassword: async ({ params, user }) => ({ body: await resetLink(deps.pool, user, params.id) }),
    acceptLink: async ({ body }) => ({ body: await acceptLink(deps.pool, body, deps.scryptCost) }),
  };
}
