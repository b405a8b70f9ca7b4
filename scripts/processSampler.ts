import { readFileSync, writeFileSync } from 'node:fs';

// CPU time and peak memory of groups of processes (a broker, a centre instance, PostgreSQL and its
// backends), read from /proc. A group is named by a function that returns its current root pids, so
// a process killed and started again under a new pid is still followed under the same name.

export interface GroupFigures {
  /** CPU seconds (user + system) used in the window. */
  cpu_s: number;
  /** Of one core, over the window. */
  cpu_pct: number;
  /** Largest sum of the group's VmHWM seen in the window (per-process peaks; reset at the window's start). */
  peak_rss_mb: number;
}

const TICKS_PER_S = 100;

export class ProcessSampler {
  private readonly groups = new Map<string, { pids: () => number[]; tree: boolean }>();
  private readonly lastTicks = new Map<number, number>();
  private readonly cpuTicks = new Map<string, number>();
  private readonly peakKb = new Map<string, number>();
  private startMs = Date.now();

  /** Follows `pids()`, and with `tree` their descendants (a server's workers), as `name`. */
  track(name: string, pids: () => number[], tree = true): void {
    this.groups.set(name, { pids, tree });
  }

  /** Starts a new window: CPU counted from now, peak memory reset (needs root for other users' processes). */
  mark(): void {
    this.sample();
    this.cpuTicks.clear();
    this.peakKb.clear();
    this.startMs = Date.now();
    for (const g of this.groups.values()) for (const pid of members(g)) resetPeak(pid);
    this.sample();
  }

  /** Reads every group once; call about every second (a process gone between two calls loses that last bit). */
  sample(): void {
    for (const [name, g] of this.groups) {
      let kb = 0;
      for (const pid of members(g)) {
        const t = ticks(pid);
        if (t === undefined) continue;
        const before = this.lastTicks.get(pid);
        this.lastTicks.set(pid, t);
        // A pid not seen before started since the last reading (mark() reads every existing one first).
        const delta = before === undefined ? t : Math.max(0, t - before);
        this.cpuTicks.set(name, (this.cpuTicks.get(name) ?? 0) + delta);
        kb += statusKb(pid, 'VmHWM');
      }
      this.peakKb.set(name, Math.max(this.peakKb.get(name) ?? 0, kb));
    }
  }

  /** Figures per group since mark(). */
  figures(): Record<string, GroupFigures> {
    this.sample();
    const s = Math.max(0.001, (Date.now() - this.startMs) / 1000);
    const out: Record<string, GroupFigures> = {};
    for (const name of this.groups.keys()) {
      const cpu = (this.cpuTicks.get(name) ?? 0) / TICKS_PER_S;
      out[name] = { cpu_s: round(cpu, 1), cpu_pct: round((cpu / s) * 100, 1), peak_rss_mb: round((this.peakKb.get(name) ?? 0) / 1024, 1) };
    }
    return out;
  }
}

/** Busy share of the whole machine (every process, ours or not) between two readings of /proc/stat. */
export class MachineLoad {
  private last = machineTicks();

  /** Percent of all cores busy since the previous call (or construction). */
  busyPct(): number {
    const now = machineTicks();
    const total = now.total - this.last.total;
    const busy = total - (now.idle - this.last.idle);
    this.last = now;
    return total > 0 ? round((busy / total) * 100, 1) : 0;
  }
}

function machineTicks(): { total: number; idle: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { total: cpu.reduce((a, b) => a + b, 0), idle: (cpu[3] ?? 0) + (cpu[4] ?? 0) };
}

function members(g: { pids: () => number[]; tree: boolean }): number[] {
  return g.tree ? withDescendants(g.pids()) : g.pids();
}

function withDescendants(roots: number[]): number[] {
  const out: number[] = [];
  const todo = [...roots];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    out.push(pid);
    try {
      todo.push(...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** utime + stime in clock ticks; undefined when the process is gone. */
function ticks(pid: number): number | undefined {
  try {
    // The command name may hold spaces or parentheses: fields are counted after its closing one.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

function statusKb(pid: number, field: string): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function resetPeak(pid: number): void {
  try {
    // "5" resets the peak resident set size (VmHWM) to the current one (Linux 4.0+).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not ours to reset: the peak is then since the process started */
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
