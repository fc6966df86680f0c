import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcMain, IpcMainEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { IPC_CHANNELS, MAX_MESSAGE_BYTES, type OutpostBridge, type ServerMessage } from '../../protocol/api';
import { createClient, type ApiClient } from '../../src-renderer/api/client';
import { ipcTransport } from '../../src-renderer/api/ipc-transport';
import { createWireClient } from '../../src-renderer/api/wire-client';
import { createCore, type Core } from '../core';
import { startHost, type Host } from '../host/host';
import { bindIpc } from './ipc';

/**
 * Electron's IPC and the browser host's WebSocket run the same session (src-main/core/api/session.ts)
 * over the core's registered modules. The IPC side is driven through a channel object shaped like
 * Electron's (`ipcMain`, a WebContents), with the renderer's own transport on the other end: the
 * Electron binary cannot run here.
 */

/** A WebContents as ipc.ts uses it: `send`, `isDestroyed`, and the events it watches. */
class FakeContents extends EventEmitter {
  destroyed = false;
  readonly inbox: ServerMessage[] = [];
  send(channel: string, message: unknown): void {
    if (channel !== IPC_CHANNELS.fromCore) throw new Error(`unexpected channel ${channel}`);
    // Electron copies what crosses the channel (structured clone).
    const copy = structuredClone(message) as ServerMessage;
    this.inbox.push(copy);
    this.emit('message', copy);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** Resolves once the page has received a message matching `test` (already, or later). */
function received(page: FakeContents, test: (m: ServerMessage) => boolean): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const found = page.inbox.find(test);
    if (found) return resolve(found);
    const listener = (m: ServerMessage) => {
      if (!test(m)) return;
      page.off('message', listener);
      resolve(m);
    };
    page.on('message', listener);
  });
}

/** A window of its own, bound for the length of `test`. */
async function withPage(
  test: (page: FakeContents, bridge: ReturnType<typeof bridgeFor>) => Promise<void>,
): Promise<void> {
  const page = new FakeContents();
  const unbind = bindIpc(ipcMain as unknown as IpcMain, core.handlers, (e) => (e.sender as unknown) === page);
  try {
    await test(page, bridgeFor(page));
  } finally {
    unbind();
  }
}

let core: Core;
let host: Host;
const ipcMain = new EventEmitter();
let unbindIpc: () => void;
let trusted: FakeContents;

/** The renderer's end of the preload: what `window.outpost` does, over the fake channel. */
function bridgeFor(contents: FakeContents): OutpostBridge & { sendRaw(message: unknown): void } {
  const sendRaw = (message: unknown) =>
    ipcMain.emit(IPC_CHANNELS.toCore, { sender: contents } as unknown as IpcMainEvent, message);
  return {
    send: sendRaw,
    sendRaw,
    onMessage(listener) {
      contents.on('message', listener);
      return () => contents.off('message', listener);
    },
  };
}

async function wsClient(): Promise<{ api: ApiClient; socket: WebSocket }> {
  const { port } = new URL(host.origin);
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api?token=${encodeURIComponent(host.token)}`, {
    origin: host.origin,
  });
  const wire = createWireClient((message) => socket.send(JSON.stringify(message)));
  socket.on('message', (data) => wire.receive(JSON.parse(data.toString())));
  await new Promise<void>((resolve) => socket.once('open', () => resolve()));
  wire.setConnected(true);
  return { api: createClient(wire.transport), socket };
}

function nextItem<T>(subscribe: (onItem: (item: T) => void) => () => void, test: (item: T) => boolean) {
  return new Promise<T>((resolve) => {
    const stop = subscribe((item) => {
      if (!test(item)) return;
      queueMicrotask(() => stop());
      resolve(item);
    });
  });
}

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'outpost-transports-'));
  const rendererDir = join(base, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  core = await createCore({
    dataDir: join(base, 'data'),
    appVersion: '7.7.7',
    platform: 'test',
    defaultServerUrl: 'http://127.0.0.1:9',
  });
  host = await startHost({ handlers: core.handlers, rendererDir });
  trusted = new FakeContents();
  unbindIpc = bindIpc(
    ipcMain as unknown as IpcMain,
    core.handlers,
    (event) => (event.sender as unknown) === trusted,
  );
});
afterAll(async () => {
  unbindIpc();
  await host.close();
  await core.close();
});

describe('one session for every transport', () => {
  it("serves a registered module's commands and subscriptions over the WebSocket and over IPC", async () => {
    const ws = await wsClient();
    const ipc = createClient(ipcTransport(bridgeFor(trusted)));
    for (const [name, api] of [
      ['ws', ws.api],
      ['ipc', ipc],
    ] as const) {
      // The settings module: a command, and a subscription that sees what the command changed.
      const terminalName = `Till ${name}`;
      const changed = nextItem<{ terminalName: string }>(
        (onItem) => api.subscribe('settings.changes', {}, onItem),
        (s) => s.terminalName === terminalName,
      );
      expect(await api.call('settings.update', { terminalName })).toMatchObject({ terminalName });
      expect(await changed).toMatchObject({ terminalName });
      expect(await api.call('settings.get', {})).toMatchObject({ terminalName });
      // The device module: its command and its live status.
      expect(await api.call('app.status', {})).toMatchObject({ appVersion: '7.7.7' });
      const status = await nextItem<{ appVersion: string }>(
        (onItem) => api.subscribe('device.status', {}, onItem),
        () => true,
      );
      expect(status.appVersion).toBe('7.7.7');
      // The dispatcher's refusals are the same on both.
      await expect(api.call('settings.update', { currency: 'EURO' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(api.call('settings.update', { terminalName: 'Till\u00001' })).rejects.toMatchObject({
        code: 'CONTROL_CHARACTERS',
      });
    }
    ws.socket.close();
  });

  it('ignores every message from a sender that is not our window', async () => {
    const stranger = new FakeContents();
    const bridge = bridgeFor(stranger);
    bridge.sendRaw({ type: 'call', id: 1, method: 'settings.update', input: { terminalName: 'Evil' } });
    bridge.sendRaw({ type: 'subscribe', id: 2, topic: 'settings.changes', input: {} });
    // The trusted window's own call is answered after both: the stranger's were not.
    const mine = createClient(ipcTransport(bridgeFor(trusted)));
    expect(await mine.call('settings.get', {})).not.toMatchObject({ terminalName: 'Evil' });
    expect(stranger.inbox).toEqual([]);
  });

  it('answers a message over the size limit, or one JSON cannot carry, as malformed', async () => {
    await withPage(async (page, bridge) => {
      bridge.sendRaw({
        type: 'call',
        id: 1,
        method: 'settings.update',
        input: { terminalName: 'x'.repeat(1024 * 1024) },
      });
      bridge.sendRaw({ type: 'call', id: 2, method: 'settings.get', input: { n: 1n } });
      bridge.sendRaw({ type: 'call', id: 3, method: 'settings.get', input: {} });
      await received(page, (m) => m.type === 'result');
      expect(page.inbox.map((m) => m.type)).toEqual(['protocol-error', 'protocol-error', 'result']);
    });
  });

  it("refuses a call over the wire's size limit at once, on both transports, instead of leaving it waiting", async () => {
    const ws = await wsClient();
    await withPage(async (page, bridge) => {
      for (const api of [ws.api, createClient(ipcTransport(bridge))]) {
        await expect(
          api.call('settings.update', { terminalName: 'x'.repeat(MAX_MESSAGE_BYTES) }),
        ).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
        // The connection still serves the next call.
        expect(await api.call('settings.get', {})).toHaveProperty('terminalName');
      }
      expect(page.inbox.some((m) => m.type === 'protocol-error')).toBe(false);
    });
    ws.socket.close();
  });

  it("ends a page's subscriptions when the window loads another page or is destroyed", async () => {
    await withPage(async (page, bridge) => {
      const items = () => page.inbox.filter((m) => m.type === 'item' && m.id === 1).length;
      bridge.sendRaw({ type: 'subscribe', id: 1, topic: 'settings.changes', input: {} });
      await received(page, (m) => m.type === 'item');
      expect(items()).toBe(1);
      // A reload: the new page starts its ids at 1 again, which must not clash with the old page's.
      page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
      await core.handlers.commands['settings.update']({ terminalName: 'After reload' });
      expect(items()).toBe(1);
      bridge.sendRaw({ type: 'subscribe', id: 1, topic: 'settings.changes', input: {} });
      await received(page, (m) => JSON.stringify(m).includes('After reload'));
      expect(items()).toBe(2);
      expect(page.inbox.at(-1)).toMatchObject({
        type: 'item',
        id: 1,
        item: { terminalName: 'After reload' },
      });
      page.emit('destroyed');
      page.destroyed = true;
      await core.handlers.commands['settings.update']({ terminalName: 'After close' });
      expect(page.inbox.filter((m) => JSON.stringify(m).includes('After close'))).toEqual([]);
    });
  });
});
