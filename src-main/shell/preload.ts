import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiErrorBody } from '../../protocol/api/errors';
import { BRIDGE_KEY, IPC_CHANNELS, type BridgeResult, type OutpostBridge } from '../../protocol/api/bridge';

/** Exposes exactly the contract's two verbs; the renderer never sees ipcRenderer itself. */
let nextId = 1;
const sinks = new Map<number, { item: (item: unknown) => void; end: (error?: ApiErrorBody) => void }>();

ipcRenderer.on(IPC_CHANNELS.item, (_event: IpcRendererEvent, id: number, item: unknown) => {
  sinks.get(id)?.item(item);
});
ipcRenderer.on(IPC_CHANNELS.end, (_event: IpcRendererEvent, id: number, error?: ApiErrorBody) => {
  const sink = sinks.get(id);
  sinks.delete(id);
  sink?.end(error);
});

const bridge: OutpostBridge = {
  call: (method, input) => ipcRenderer.invoke(IPC_CHANNELS.call, method, input) as Promise<BridgeResult>,
  subscribe(topic, input, onItem, onEnd) {
    const id = nextId++;
    sinks.set(id, { item: onItem, end: onEnd });
    ipcRenderer.send(IPC_CHANNELS.subscribe, id, topic, input);
    return () => {
      if (sinks.delete(id)) ipcRenderer.send(IPC_CHANNELS.unsubscribe, id);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
