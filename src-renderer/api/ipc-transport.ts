import { ApiError, type OutpostBridge } from '../../protocol/api';
import type { Transport } from './transport';

export function ipcTransport(bridge: OutpostBridge): Transport {
  return {
    async call(method, input) {
      const result = await bridge.call(method, input);
      if (!result.ok) throw ApiError.fromBody(result.error);
      return result.value;
    },
    subscribe(topic, input, onItem, onEnd) {
      return bridge.subscribe(topic, input, onItem, (error) =>
        onEnd(error ? ApiError.fromBody(error) : undefined),
      );
    },
    onConnectionChange(listener) {
      listener(true);
      return () => {};
    },
  };
}
