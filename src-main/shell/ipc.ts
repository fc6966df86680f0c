import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_CHANNELS, type BridgeResult } from '../../protocol/api';
import type { ApiHandlers } from '../core/api/handlers';
import { callCommand, openSubscription, toApiError } from '../core/api/dispatch';

/**
 * Binds the contract to Electron IPC. Every message's sender is checked: only our own window, showing
 * our own page, may call the core.
 */
export function bindIpc(
  handlers: ApiHandlers,
  isTrustedSender: (event: IpcMainEvent | IpcMainInvokeEvent) => boolean,
) {
  const perContents = new Map<WebContents, Map<number, () => void>>();

  const subscriptionsOf = (contents: WebContents) => {
    let map = perContents.get(contents);
    if (!map) {
      const created = new Map<number, () => void>();
      perContents.set(contents, created);
      contents.once('destroyed', () => {
        for (const stop of created.values()) stop();
        perContents.delete(contents);
      });
      map = created;
    }
    return map;
  };

  ipcMain.handle(IPC_CHANNELS.call, async (event, method: unknown, input: unknown): Promise<BridgeResult> => {
    if (!isTrustedSender(event))
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Untrusted sender' } };
    try {
      return { ok: true, value: await callCommand(handlers, method, input) };
    } catch (error) {
      return { ok: false, error: toApiError(error).toBody() };
    }
  });

  ipcMain.on(IPC_CHANNELS.subscribe, (event, id: unknown, topic: unknown, input: unknown) => {
    if (!isTrustedSender(event) || typeof id !== 'number' || !Number.isSafeInteger(id)) return;
    const contents = event.sender;
    const active = subscriptionsOf(contents);
    active.get(id)?.();
    active.set(id, () => {});
    const stop = openSubscription(handlers, topic, input, {
      item: (item) => {
        if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.item, id, item);
      },
      end: (error) => {
        active.delete(id);
        if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.end, id, error);
      },
    });
    if (active.has(id)) active.set(id, stop);
  });

  ipcMain.on(IPC_CHANNELS.unsubscribe, (event, id: unknown) => {
    if (!isTrustedSender(event) || typeof id !== 'number') return;
    const active = perContents.get(event.sender);
    active?.get(id)?.();
    active?.delete(id);
  });

  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.call);
    ipcMain.removeAllListeners(IPC_CHANNELS.subscribe);
    ipcMain.removeAllListeners(IPC_CHANNELS.unsubscribe);
    for (const active of perContents.values()) for (const stop of active.values()) stop();
    perContents.clear();
  };
}
