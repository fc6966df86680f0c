import { app, session, shell, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { isLocalConsoleUrl } from '../../protocol/api/server-url';
import { rendererContentSecurityPolicy } from '../core/content-security-policy';

/** The only origin our pages are served from (see protocol.ts); anything else is foreign. */
export const APP_ORIGIN = 'app://outpost';

export const CONTENT_SECURITY_POLICY = rendererContentSecurityPolicy();

function isAppUrl(url: string, devOrigin: string | undefined): boolean {
  try {
    const origin = new URL(url).origin;
    return url.startsWith(`${APP_ORIGIN}/`) || (devOrigin !== undefined && origin === devOrigin);
  } catch {
    return false;
  }
}

/**
 * Electron's security checklist, applied once for every web contents the app ever creates:
 * no navigation away, no new windows, no webviews, no permissions.
 */
export function hardenApp(devOrigin: string | undefined): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);

  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, devOrigin)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url, devOrigin)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      // The local shop's back office (issue #19) opens in the system browser, never in the app.
      if (isLocalConsoleUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

/** Only the main window's top frame, showing our own page, may talk to the core. */
export function trustedSenderCheck(getMain: () => WebContents | undefined, devOrigin: string | undefined) {
  return (event: IpcMainEvent | IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return (
      event.sender === getMain() && frame !== null && frame.parent === null && isAppUrl(frame.url, devOrigin)
    );
  };
}
