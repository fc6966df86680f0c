import { withTransaction } from '../db/tx';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { listPolicies, upsertPolicy } from './store';

export function policyHandlers(deps: TrustDeps): Pick<Handlers, 'upsertPolicy' | 'listPolicies'> {
  return {
    upsertPolicy: async ({ body, user }) => ({
      body: await withTransaction(deps.pool, (client) => upsertPolicy(client, body, user.id)),
    }),
    listPolicies: async () => ({ body: { policies: await listPolicies(deps.pool) } }),
  };
}
