import type { IpcMain, IpcMainEvent, WebContents } from 'electron';
import { IPC_CHANNELS, MAX_MESSAGE_BYTES, type ServerMessage } from '../../protocol/api';
import type { ApiHandlers } from '../core/api/handlers';
import { createSession, type Session } from '../core/api/session';

/**
 * Binds the contract to Electron IPC: one channel each way carrying the wire messages
 * (protocol/api/wire.ts) into the same session code the browser host's WebSocket runs. What is left
 * here is the sender check on every message (only our own window, showing our own page), the size
 * limit the WebSocket has, and one session per page: a reload or navigation ends the old page's
 * subscriptions, as a closed socket does.
 *
 * Electron is imported for its types only, so the adapter runs in plain Node under a channel object
 * shaped like `ipcMain` (src-main/shell/ipc.test.ts).
 */
export function bindIpc(
  ipcMain: Pick<IpcMain, 'on' | 'removeListener'>,
  handlers: ApiHandlers,
  isTrustedSender: (event: IpcMainEvent) => boolean,
): () => void {
  const sessions = new Map<WebContents, Session>();

  const closeSession = (contents: WebContents) => {
    sessions.get(contents)?.close();
    sessions.delete(contents);
  };
  const watched = new WeakSet<WebContents>();
  const sessionOf = (contents: WebContents): Session => {
    const existing = sessions.get(contents);
    if (existing) return existing;
    const session = createSession(handlers, (message: ServerMessage) => {
      if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.fromCore, message);
    });
    sessions.set(contents, session);
    if (!watched.has(contents)) {
      watched.add(contents);
      contents.once('destroyed', () => closeSession(contents));
      // A new document in the window is a new client: its ids start again at 1.
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) closeSession(contents);
      });
    }
    return session;
  };

  const onMessage = (event: IpcMainEvent, message: unknown) => {
    if (!isTrustedSender(event)) return;
    sessionOf(event.sender).receive(asWireMessage(message));
  };
  ipcMain.on(IPC_CHANNELS.toCore, onMessage);

  return () => {
    ipcMain.removeListener(IPC_CHANNELS.toCore, onMessage);
    for (const session of sessions.values()) session.close();
    sessions.clear();
  };
}

/**
 * What the WebSocket would have received: JSON text of at most MAX_MESSAGE_BYTES, parsed. Anything
 * else (too large, or a value structured clone carries but JSON does not) becomes `undefined`, which
 * the session answers with a protocol-error, as it does a malformed WebSocket message.
 */
function asWireMessage(message: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch {
    return undefined;
  }
  if (text === undefined || Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return undefined;
  return JSON.parse(text) as unknown;
}
