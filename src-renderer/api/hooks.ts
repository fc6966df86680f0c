import { createContext, useContext, useEffect, useState } from 'react';
import type { ApiError, SubscriptionInput, SubscriptionItem, SubscriptionName } from '../../protocol/api';
import type { ApiClient } from './client';

export const ApiContext = createContext<ApiClient | null>(null);

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi outside <ApiContext.Provider>');
  return client;
}

/** The latest item of a live subscription, or the error that ended it. */
export function useSubscription<K extends SubscriptionName>(
  name: K,
): { value: SubscriptionItem<K> | undefined; error: ApiError | undefined } {
  const api = useApi();
  const [value, setValue] = useState<SubscriptionItem<K>>();
  const [error, setError] = useState<ApiError>();
  useEffect(
    () =>
      api.subscribe(
        name,
        {} as SubscriptionInput<K>,
        (item) => {
          setError(undefined);
          setValue(item);
        },
        (end) => setError(end),
      ),
    [api, name],
  );
  return { value, error };
}

export function useConnected(): boolean {
  const api = useApi();
  const [connected, setConnected] = useState(false);
  useEffect(() => api.onConnectionChange(setConnected), [api]);
  return connected;
}
