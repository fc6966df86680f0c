import { BehaviorSubject, type Observable } from 'rxjs';

export interface Reachability {
  state: 'unknown' | 'online' | 'offline';
  checkedAt: string | null;
  lastError: string | null;
}

export interface ReachabilityOptions {
  intervalMs: number;
  /** Longest wait between probes while the server does not answer. */
  maxBackoffMs?: number;
  timeoutMs?: number;
}

/**
 * Probes the server's liveness endpoint. Browsers' and Electron's `navigator.onLine` only says a
 * network interface is up; a till needs to know whether *our server* answers.
 */
export class ReachabilityMonitor {
  private readonly subject = new BehaviorSubject<Reachability>({
    state: 'unknown',
    checkedAt: null,
    lastError: null,
  });
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private inFlight: AbortController | undefined;

  constructor(
    private serverUrl: string,
    private readonly options: ReachabilityOptions,
  ) {}

  get changes(): Observable<Reachability> {
    return this.subject.asObservable();
  }

  get current(): Reachability {
    return this.subject.value;
  }

  start(): void {
    void this.probe();
  }

  /** Points the monitor at another server and probes it at once. */
  retarget(serverUrl: string): void {
    if (serverUrl === this.serverUrl) return;
    this.serverUrl = serverUrl;
    this.failures = 0;
    this.subject.next({ state: 'unknown', checkedAt: null, lastError: null });
    this.inFlight?.abort();
    clearTimeout(this.timer);
    void this.probe();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.inFlight?.abort();
    this.subject.complete();
  }

  private async probe(): Promise<void> {
    if (this.stopped) return;
    const target = this.serverUrl;
    const controller = new AbortController();
    this.inFlight = controller;
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 3000);
    let error: string | null = null;
    try {
      const response = await fetch(new URL('/health/live', target), { signal: controller.signal });
      await response.body?.cancel();
      if (!response.ok) error = `Server answered ${response.status}`;
    } catch (cause) {
      error = describeFetchError(cause);
    } finally {
      clearTimeout(timeout);
    }
    // A probe overtaken by retarget() or stop() must not report on the old server.
    if (this.stopped || target !== this.serverUrl || controller !== this.inFlight) return;
    this.failures = error ? this.failures + 1 : 0;
    const next: Reachability = {
      state: error ? 'offline' : 'online',
      checkedAt: new Date().toISOString(),
      lastError: error,
    };
    const prev = this.subject.value;
    if (prev.state !== next.state || prev.lastError !== next.lastError) this.subject.next(next);
    const delay = Math.min(
      this.options.intervalMs * 2 ** Math.min(this.failures, 6),
      this.options.maxBackoffMs ?? 30_000,
    );
    this.timer = setTimeout(() => void this.probe(), delay);
    this.timer.unref();
  }
}

function describeFetchError(cause: unknown): string {
  if (cause instanceof Error && cause.name === 'AbortError') return 'Server did not answer in time';
  const code = (cause as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ECONNREFUSED') return 'Server refused the connection';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Server name could not be resolved';
  return cause instanceof Error ? cause.message : String(cause);
}
