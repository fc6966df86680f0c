/**
 * Bounds how many password checks (a 32 MiB scrypt each) run at once, and takes turns between
 * accounts: a flood of right-password sign-ins of one account (never throttled: they succeed) no
 * longer fills the thread pool ahead of everyone else's sign-in (issue #16, third pass L2). Each
 * account waits in its own line; a freed slot goes to the waiting account whose last check started
 * longest ago (or never), one check each.
 */
export class ScryptGate {
  private active = 0;
  /** Most checks that ever ran at once (read by tests). */
  peak = 0;
  private readonly lines = new Map<string, (() => void)[]>();
  /** When each account's last check started, as a count of starts; forgotten once it has no line. */
  private readonly lastStart = new Map<string, number>();
  private starts = 0;

  constructor(readonly concurrency: number) {}

  /** How many checks have started since the process began (read by tests). */
  get started(): number {
    return this.starts;
  }

  async run<T>(account: string, work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      await new Promise<void>((start) => {
        const line = this.lines.get(account);
        if (line) line.push(start);
        else this.lines.set(account, [start]);
      });
    } else this.active++;
    this.peak = Math.max(this.peak, this.active);
    this.lastStart.set(account, ++this.starts);
    try {
      return await work();
    } finally {
      this.next();
    }
  }

  /** Hands the freed slot to the waiting account whose last check started longest ago. */
  private next(): void {
    let chosen: string | undefined;
    for (const account of this.lines.keys())
      if (chosen === undefined || (this.lastStart.get(account) ?? 0) < (this.lastStart.get(chosen) ?? 0))
        chosen = account;
    if (chosen === undefined) {
      this.active--;
      this.lastStart.clear();
      return;
    }
    const line = this.lines.get(chosen)!;
    const start = line.shift()!;
    if (line.length === 0) this.lines.delete(chosen);
    start();
  }
}

/** Two at a time: the server's libuv pool has four threads, and other crypto shares them. */
export const SCRYPT_CONCURRENCY = 2;
export const scryptGate = new ScryptGate(SCRYPT_CONCURRENCY);
