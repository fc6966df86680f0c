/**
 * The object the Electron preload exposes as `window.outpost`: a pipe for the wire messages of
 * `wire.ts`, nothing else. The main process runs the same session as the browser host's WebSocket
 * (src-main/core/api/session.ts), and the renderer's client validates every answer against the
 * contract table, so nothing here is typed per call.
 */
export interface OutpostBridge {
  /** Sends one client message (`ClientMessage`) to the core. */
  send(message: unknown): void;
  /** Receives the core's messages (`ServerMessage`); returns the function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
}

export const BRIDGE_KEY = 'outpost';
/** One IPC channel each way. */
export const IPC_CHANNELS = {
  toCore: 'outpost:to-core',
  fromCore: 'outpost:from-core',
} as const;
