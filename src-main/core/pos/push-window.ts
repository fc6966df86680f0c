/**
 * Online sales travel together (issue #23): a till used to push a bundle after every sale, so a
 * busy till sent one request per sale. Now the first sale recorded opens a window (3 s by default);
 * every sale recorded before it closes joins it, and one sync round then pushes them all in one
 * bundle. The window does not slide: a till selling without pause still pushes every window.
 *
 * Nothing waits for the window but the push: a sale is acknowledged once it is stored (the caller
 * tells this module only after the durable write), and the online authorisation of a sale above
 * the offline maximum is asked before the sale is recorded, so it never waits either. A sale that
 * carries one is pushed at once (`now`), with whatever waits in the window: the server has issued
 * that authorisation and learns of its use without delay.
 */
export const DEFAULT_PUSH_WINDOW_MS = 3_000;

/** Runs `fn` after `ms`; returns how to cancel it. Injected by tests, which never wait on time. */
export type Schedule = (fn: () => void, ms: number) => () => void;

const timer: Schedule = (fn, ms) => {
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};

export interface PushWindow {
  /** A sale was stored: push it with the others of this window (`now`: push the window at once). */
  recorded(now?: boolean): void;
  /** Closes the window without pushing (the core is closing). */
  stop(): void;
}

/** `push` starts a sync round (SyncService.kick); `windowMs` ≤ 0 pushes after every sale, as before. */
export function pushWindow(push: () => void, windowMs: number, schedule: Schedule = timer): PushWindow {
  let cancel: (() => void) | undefined;
  const close = () => {
    cancel = undefined;
    push();
  };
  return {
    recorded(now = false) {
      if (now || windowMs <= 0) {
        cancel?.();
        close();
        return;
      }
      cancel ??= schedule(close, windowMs);
    },
    stop() {
      cancel?.();
      cancel = undefined;
    },
  };
}
