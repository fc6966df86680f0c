import { BehaviorSubject, type Observable } from 'rxjs';

export interface Reachability {
  state: 'unknown' | 'online' | 'offline';
  checkedAt: string | null;
  lastError: string | null;
}

export interface ReachabilityOptions {
  /** The first wait after a probe; the waits grow from here, online and offline alike. */
  intervalMs: number;
  /** Longest wait between probes while the server does not answer (30 s). */
  maxBackoffMs?: number;
  /** Longest wait between probes while the server answers (60 s). */
  idleMaxMs?: number;
  timeoutMs?: number;
  /** The jitter's source; Math.random unless a test injects one. */
  random?: () => number;
  /** How the next probe is scheduled; setTimeout (unref'd) unless a test steps probes itself. */
  schedule?: (probe: () => void, delayMs: number) => { cancel(): void };
}

export const DEFAULT_MAX_BACKOFF_MS = 30_000;
export const DEFAULT_IDLE_MAX_MS = 60_000;

/**
 * The wait before the next probe (issue #23, item 2). It doubles with each failure in a row (up to
 * maxBackoffMs) and with each answer in a row (up to idleMaxMs): a till whose server keeps answering
 * asks less and less often, as does one whose server is gone. Each wait is then drawn between half
 * and all of that ("equal jitter"), so tills that started together, or lost the server together,
 * spread out instead of probing in step. 10,000 tills at the default caps make at most ~220
 * probes a second while idle (~440 while the server is down), not 2,000.
 */
export function nextProbeDelay(
  streak: { failures: number; answers: number },
  options: Pick<ReachabilityOptions, 'intervalMs' | 'maxBackoffMs' | 'idleMaxMs'>,
  random: () => number = Math.random,
): number {
  const ceiling =
    streak.failures > 0
      ? Math.min(
          options.intervalMs * 2 ** Math.min(streak.failures, 16),
          options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
        )
      : Math.min(
          options.intervalMs * 2 ** Math.min(Math.max(0, streak.answers - 1), 16),
          options.idleMaxMs ?? DEFAULT_IDLE_MAX_MS,
        );
  return ceiling * (0.5 + random() / 2);
}

const setTimer = (probe: () => void, delayMs: number) => {
  const timer = setTimeout(probe, delayMs);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
};

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
  private timer: { cancel(): void } | undefined;
  private failures = 0;
  private answers = 0;
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
    this.answers = 0;
    this.subject.next({ state: 'unknown', checkedAt: null, lastError: null });
    this.inFlight?.abort();
    this.timer?.cancel();
    void this.probe();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
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
    this.answers = error ? 0 : this.answers + 1;
    const next: Reachability = {
      state: error ? 'offline' : 'online',
      checkedAt: new Date().toISOString(),
      lastError: error,
    };
    const prev = this.subject.value;
    if (prev.state !== next.state || prev.lastError !== next.lastError) this.subject.next(next);
    const delay = nextProbeDelay(
      { failures: this.failures, answers: this.answers },
      this.options,
      this.options.random,
    );
    this.timer = (this.options.schedule ?? setTimer)(() => void this.probe(), delay);
  }
}

function describeFetchError(cause: unknown): string {
  if (cause instanceof Error && cause.name === 'AbortError') return 'Server did not answer in time';
  const code = (cause as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ECONNREFUSED') return 'Server refused the connection';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Server name could not be resolved';
  return cause instanceof Error ? cause.message : String(cause);
}
