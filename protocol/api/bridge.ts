import type { ApiErrorBody } from './errors';

/** What a call over IPC resolves to: errors travel as data because Electron mangles thrown errors. */
export type BridgeResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorBody };

/**
 * The object the Electron preload exposes as `window.outpost`. Deliberately untyped per call: the
 * renderer's client types and validates every call against the contract table.
 */
export interface OutpostBridge {
  call(method: string, input: unknown): Promise<BridgeResult>;
  subscribe(
    topic: string,
    input: unknown,
    onItem: (item: unknown) => void,
    onEnd: (error?: ApiErrorBody) => void,
  ): () => void;
}

export const BRIDGE_KEY = 'outpost';
export const IPC_CHANNELS = {
  call: 'outpost:call',
  subscribe: 'outpost:subscribe',
  unsubscribe: 'outpost:unsubscribe',
  item: 'outpost:item',
  end: 'outpost:end',
} as const;
