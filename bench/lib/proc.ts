// What the benchmark reads from /proc: a process's CPU time and resident memory, and the machine's CPU model and memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * utime + stime (fields 14 and 15 of proc(5)'s /proc/<pid>/stat) in clock ticks, for all the
 * process's threads. The command name (field 2) may contain spaces and parentheses, so the
 * fields are counted from the last ')'.
 */
export function parseCpuTicks(statLine: string): number {
  const close = statLine.lastIndexOf(')');
  if (close === -1) throw new Error(`not a /proc/<pid>/stat line: ${statLine.slice(0, 60)}`);
  // After ") ": field 3 (state) is index 0, so field n is index n − 3.
  const fields = statLine.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in: ${statLine.slice(0, 60)}`);
  return utime + stime;
}

/**
 * A memory line of /proc/<pid>/status in bytes (the file says kB, meaning KiB). VmRSS is what the
 * issue's targets use; it includes the file-backed pages of the executable (for Node, ~50 MiB of
 * the binary's code, shared by every Node process). RssAnon is the process's private part.
 */
export function parseStatusBytes(status: string, field: 'VmRSS' | 'RssAnon' | 'RssFile'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  if (m === null) throw new Error(`no ${field} line (is the process a zombie?)`);
  return Number(m[1]) * 1024;
}

export function parseVmRssBytes(status: string): number {
  return parseStatusBytes(status, 'VmRSS');
}

/** The first "model name" of /proc/cpuinfo, or "unknown". */
export function parseCpuModel(cpuinfo: string): string {
  const m = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
  return m === null ? 'unknown' : m[1]!.trim();
}

/** MemTotal of /proc/meminfo, in bytes. */
export function parseMemTotalBytes(meminfo: string): number {
  const m = /^MemTotal:\s+(\d+)\s+kB$/m.exec(meminfo);
  if (m === null) throw new Error('no MemTotal line in /proc/meminfo');
  return Number(m[1]) * 1024;
}

let clkTck: number | null = null;

/** sysconf(_SC_CLK_TCK): clock ticks per second (100 on Linux unless the kernel is unusual). */
export function clockTicksPerSecond(): number {
  if (clkTck === null) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU time (user + system) the process has used so far, in ms. */
export function cpuMs(pid: number): number {
  return (parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / clockTicksPerSecond();
}

/** cpuMs(), or NaN when the process is gone (a chain that died mid-phase is reported, not thrown at). */
export function cpuMsOrNaN(pid: number): number {
  try {
    return cpuMs(pid);
  } catch {
    return Number.NaN;
  }
}

export function rssBytes(pid: number): number {
  return parseVmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** VmRSS and RssAnon of a process, read once. */
export function memory(pid: number): { readonly rss: number; readonly anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rss: parseStatusBytes(status, 'VmRSS'), anon: parseStatusBytes(status, 'RssAnon') };
}

export interface CpuLine {
  /** user + nice + system: time spent running processes (ticks). */
  readonly processTicks: number;
  readonly irqTicks: number;
  readonly idleTicks: number;
}

/** The `cpuN` lines of /proc/stat (per CPU, in clock ticks), keyed by CPU number. */
export function parseCpuLines(procStat: string): Map<number, CpuLine> {
  const out = new Map<number, CpuLine>();
  for (const m of procStat.matchAll(/^cpu(\d+)\s+(.+)$/gm)) {
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0] = m[2]!.trim().split(/\s+/).map(Number);
    out.set(Number(m[1]), { processTicks: user + nice + system, irqTicks: irq + softirq, idleTicks: idle + iowait });
  }
  return out;
}

export function cpuLines(): Map<number, CpuLine> {
  return parseCpuLines(readFileSync('/proc/stat', 'utf8'));
}

/**
 * Time CPU `cpu` has spent busy (processes, interrupts and softirqs), in ms. Interrupts count
 * because a process's own CPU time (above) includes the softirq work done in its context, which
 * /proc/stat's tick sampling files under softirq: busy − Σ(processes) is then what others used.
 */
export function cpuBusyMs(cpu: number): number {
  const line = cpuLines().get(cpu);
  return line === undefined ? Number.NaN : ((line.processTicks + line.irqTicks) * 1000) / clockTicksPerSecond();
}
