import { ApiError } from '../../../protocol/api';

/**
 * The till's server address is the local shop's (127.0.0.1:<port>) only while the shop's own
 * process listens there. While it starts, after it failed, or after it stopped, whatever else holds
 * that port (another local account can bind it while the app is closed: red-team pass 12, M-A)
 * would get the till's sealed bundles and signed requests, so the till talks to nothing there:
 * sync and check-in wait (issue #16). Held from the core's start when a local shop is recorded,
 * released by the shop once its server answers at the address the till now uses.
 */
export class ServerHold {
  private why: string | null = null;

  /** Why the till may not talk to its server now; null when it may. */
  get reason(): string | null {
    return this.why;
  }

  hold(reason: string): void {
    this.why = reason;
  }

  release(): void {
    this.why = null;
  }

  /** The refusal a caller reports while held (LOCAL_SHOP_NOT_RUNNING), or null. */
  refusal(): ApiError | null {
    return this.why === null
      ? null
      : new ApiError('LOCAL_SHOP_NOT_RUNNING', `The local shop's server is not running: ${this.why}`);
  }
}
