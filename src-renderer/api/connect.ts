import { BRIDGE_KEY, type OutpostBridge } from '../../protocol/api';
import { createClient, type ApiClient } from './client';
import { ipcTransport } from './ipc-transport';
import { wsTransport } from './ws-transport';

const TOKEN_KEY = 'outpost.hostToken';

/**
 * Inside Electron the preload's bridge is there; in a browser the host's token arrives once in the
 * URL, is kept for this tab only, and is taken out of the address bar so it is not shared by accident.
 */
export function connectToCore(): ApiClient {
  const bridge = (window as unknown as Record<string, OutpostBridge | undefined>)[BRIDGE_KEY];
  if (bridge) return createClient(ipcTransport(bridge));

  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const query = params.toString();
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
  }
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return createClient(wsTransport(`${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`));
}
