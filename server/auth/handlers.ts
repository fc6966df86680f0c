import { TrustErrorCode } from '../../protocol/http';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { refresh, signIn, signOut } from './service';

export function authHandlers(deps: TrustDeps): Pick<Handlers, 'signIn' | 'refresh' | 'signOut'> {
  return {
    signIn: async ({ body }) => {
      const tokens = await signIn(deps, body);
      // One answer for unknown email, wrong password and disabled account: no account oracle.
      if (!tokens) throw new HttpError(401, TrustErrorCode.INVALID_CREDENTIALS, 'Wrong email or password');
      return { body: tokens };
    },
    refresh: async ({ body, res }) => {
      const outcome = await refresh(deps, body.refresh_token);
      if (!outcome.ok) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="outpost"');
        throw new HttpError(401, TrustErrorCode.UNAUTHENTICATED, 'Refresh token invalid, expired or revoked');
      }
      return { body: outcome.tokens };
    },
    signOut: async ({ body }) => {
      await signOut(deps, body.refresh_token);
      return { body: null };
    },
  };
}
