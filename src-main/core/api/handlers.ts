import type { Observable } from 'rxjs';
import type { z } from 'zod';
import type {
  CommandName,
  CommandOutput,
  Commands,
  FeatureName,
  Features,
  SubscriptionItem,
  SubscriptionName,
  Subscriptions,
} from '../../../protocol/api';

/** The core's implementation of the contract: one function per command and per subscription. */
export type CommandHandlers = {
  [K in CommandName]: (input: z.output<Commands[K]['input']>) => Promise<CommandOutput<K>>;
};

export type SubscriptionHandlers = {
  [K in SubscriptionName]: (input: z.output<Subscriptions[K]['input']>) => Observable<SubscriptionItem<K>>;
};

export interface ApiHandlers {
  commands: CommandHandlers;
  subscriptions: SubscriptionHandlers;
}

/** One feature's part: exactly the commands and subscriptions its contract file declares. */
export interface FeatureHandlers<F extends FeatureName> {
  commands: Pick<CommandHandlers, Extract<keyof Features[F]['commands'], CommandName>>;
  subscriptions: Pick<SubscriptionHandlers, Extract<keyof Features[F]['subscriptions'], SubscriptionName>>;
}
