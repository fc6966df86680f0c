import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_KEY, IPC_CHANNELS, type OutpostBridge } from '../../protocol/api/bridge';

/**
 * Forwards the wire messages one channel each way; the renderer never sees ipcRenderer nor an IPC
 * event, only the message itself.
 */
const bridge: OutpostBridge = {
  send: (message) => ipcRenderer.send(IPC_CHANNELS.toCore, message),
  onMessage(listener) {
    const forward = (_event: IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(IPC_CHANNELS.fromCore, forward);
    return () => void ipcRenderer.removeListener(IPC_CHANNELS.fromCore, forward);
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
