import type { OutpostBridge } from '../../protocol/api';
import type { Transport } from './transport';
import { createWireClient } from './wire-client';

/** Electron's transport: the same wire messages as the WebSocket, through the preload's bridge. */
export function ipcTransport(bridge: OutpostBridge): Transport {
  const wire = createWireClient((message) => bridge.send(message));
  bridge.onMessage((message) => wire.receive(message));
  // The main process is always there while this page is.
  wire.setConnected(true);
  return wire.transport;
}
