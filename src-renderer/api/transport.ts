import type { ApiError } from '../../protocol/api';

/** How the renderer reaches the core: Electron IPC or the browser host's WebSocket. */
export interface Transport {
  call(method: string, input: unknown): Promise<unknown>;
  subscribe(
    topic: string,
    input: unknown,
    onItem: (item: unknown) => void,
    onEnd: (error?: ApiError) => void,
  ): () => void;
  /** Whether the core can be reached right now (always true over IPC). */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}
