import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds per process from /proc (Linux), for benches whose parts run in processes of their
 * own: named processes (servers, the terminals' client), every child of the PostgreSQL postmaster,
 * and how busy the whole machine was (other engineers' work shows there). Where the cores went is
 * what explains a ratio.
 */
const TICK_S = 0.01; // USER_HZ is 100 on Linux

function stat(pid: number): number[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  } catch {
    return null; // the process ended
  }
}
const cpuOf = (f: number[] | null) => (f ? f[11]! + f[12]! : 0);

export interface CpuLap {
  /** CPU seconds of each named process over the lap. */
  processes: Record<string, number>;
  postgres: number;
  /** All of the above together, per second of the lap: how many cores this run's processes used. */
  cores_used: number;
  /** Share of the machine's cores that were busy, whoever used them. */
  machine_busy: number;
  seconds: number;
}

export class ProcessCpu {
  private postmaster = 0;
  private named = new Map<string, number>();
  private last = this.sample();

  /** `backendPid`: any backend of the cluster (`SELECT pg_backend_pid()`); its parent is the postmaster. */
  watchPostgres(backendPid: number): void {
    this.postmaster = stat(backendPid)?.[1] ?? 0;
    this.last = this.sample();
  }
  watch(name: string, pid: number): void {
    this.named.set(name, pid);
    this.last = this.sample();
  }

  private sample() {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // Per backend: one that ended between two samples takes its ticks with it, so a sum of the
    // live ones could go down; each lap adds what every backend alive at its end used since the
    // last sample (a backend born in between counts from zero).
    const postgres = new Map<number, number>();
    if (this.postmaster)
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const f = stat(Number(entry));
        if (f && f[1] === this.postmaster) postgres.set(Number(entry), cpuOf(f));
      }
    const processes: Record<string, number> = {};
    for (const [name, pid] of this.named) processes[name] = cpuOf(stat(pid));
    const own = process.cpuUsage();
    processes.bench = (own.user + own.system) / 1e6 / TICK_S;
    return {
      idle: cpu[3]! + cpu[4]!,
      total: cpu.reduce((a, b) => a + b, 0),
      postgres,
      processes,
      at: performance.now(),
    };
  }

  /** CPU since the previous lap (or watch). */
  lap(): CpuLap {
    const now = this.sample();
    const r = (ticks: number) => Math.round(ticks * TICK_S * 100) / 100;
    const processes: Record<string, number> = {};
    for (const [name, ticks] of Object.entries(now.processes))
      processes[name] = r(ticks - (this.last.processes[name] ?? 0));
    const postgresSeconds = r(
      [...now.postgres].reduce((sum, [pid, t]) => sum + t - (this.last.postgres.get(pid) ?? 0), 0),
    );
    const seconds = Math.round(now.at - this.last.at) / 1000;
    const total = Object.values(processes).reduce((a, b) => a + b, postgresSeconds);
    const lap = {
      processes,
      postgres: postgresSeconds,
      cores_used: Math.round((total / Math.max(seconds, 0.001)) * 100) / 100,
      machine_busy:
        Math.round((1 - (now.idle - this.last.idle) / Math.max(1, now.total - this.last.total)) * 100) / 100,
      seconds,
    };
    this.last = now;
    return lap;
  }
}
