import {
  commands,
  subscriptions,
  type ApiError,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type SubscriptionInput,
  type SubscriptionItem,
  type SubscriptionName,
} from '../../protocol/api';
import type { Transport } from './transport';

/** The renderer's typed view of the contract; answers are checked against it, not trusted. */
export interface ApiClient {
  call<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>>;
  subscribe<K extends SubscriptionName>(
    name: K,
    input: SubscriptionInput<K>,
    onItem: (item: SubscriptionItem<K>) => void,
    onEnd?: (error?: ApiError) => void,
  ): () => void;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

export function createClient(transport: Transport): ApiClient {
  return {
    async call(name, input) {
      const value = await transport.call(name, input);
      return commands[name].output.parse(value) as CommandOutput<typeof name>;
    },
    subscribe(name, input, onItem, onEnd) {
      const schema = subscriptions[name].item;
      return transport.subscribe(
        name,
        input,
        (item) => onItem(schema.parse(item) as SubscriptionItem<typeof name>),
        (error) => onEnd?.(error),
      );
    },
    onConnectionChange: (listener) => transport.onConnectionChange(listener),
  };
}
