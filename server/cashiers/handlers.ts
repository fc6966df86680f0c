import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { addCashier, listCashiers, setCashierDisabled, setCashierPin } from './store';

type CashierRoutes = 'listShopCashiers' | 'addShopCashier' | 'setShopCashierPin' | 'setShopCashierStatus';

export function cashierHandlers(deps: TrustDeps): Pick<Handlers, CashierRoutes> {
  return {
    listShopCashiers: async ({ query }) => ({
      body: await listCashiers(deps.pool, query),
    }),
    addShopCashier: async ({ body, user }) => ({
      body: await addCashier(deps.pool, user, body, deps.scryptCost),
    }),
    setShopCashierPin: async ({ params, body, user }) => ({
      body: await setCashierPin(deps.pool, user, params, body.pin, deps.scryptCost),
    }),
    setShopCashierStatus: async ({ params, body, user }) => ({
      body: await setCashierDisabled(deps.pool, user, params, body.disabled),
    }),
  };
}
