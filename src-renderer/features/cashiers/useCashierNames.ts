import { useEffect, useState } from 'react';
import { useApi, useSubscription } from '../../api/hooks';

/**
 * Cashier account names by id (issue #18), read again whenever the till's accounts or its
 * signed-in cashier change: receipts name the cashier and the approving manager. An id with no
 * account (removed since) is named by itself.
 */
export function useCashierNames(): (id: string) => string {
  const api = useApi();
  const { value: current } = useSubscription('pos.cashier.current');
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    let live = true;
    api.call('pos.cashier.list', {}).then(
      ({ cashiers }) => live && setNames(new Map(cashiers.map((c) => [c.cashierId, c.name]))),
      () => undefined, // no POS feature: ids stand for themselves
    );
    return () => {
      live = false;
    };
  }, [api, current]);
  return (id) => names.get(id) ?? id;
}
