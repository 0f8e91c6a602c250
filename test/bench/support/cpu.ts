// Where the CPU went during a measured window, from /proc (Linux): the whole machine, this Node
// process (API and load-generator threads), its reaped children (pgbench), and the processes of
// the benchmark's PostgreSQL server (postmaster, backends, WAL writer...; backends that ended
// count through the postmaster's children time). "other" is everything else: Redis, the kernel,
// and any unrelated load on the machine. On a 2-core machine these share the cores, which bounds
// every figure the benchmarks print.
import * as fs from 'node:fs';
import * as os from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Snapshot {
  at: number;
  machineBusy: number;
  machineTotal: number;
  selfTicks: number;
  mainThreadTicks: number;
  childrenTicks: number;
  postgresTicks: number;
}

export interface CpuUsage {
  seconds: number;
  /** Cores busy on average, machine-wide (0..nproc). */
  machineCores: number;
  /** This Node process: the API (main thread, libuv pool) and the load-generator thread. */
  nodeCores: number;
  /** This process's main thread alone (the API's event loop, where the benchmarks run it in-process). */
  mainThreadCores: number;
  /** Child processes of this process that ended in the window (pgbench). */
  childCores: number;
  /** The benchmark's PostgreSQL server. */
  postgresCores: number;
  /** Everything else: Redis, the kernel, unrelated load. */
  otherCores: number;
  nproc: number;
}

function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** utime, stime, cutime, cstime and ppid of a process, or null if it is gone. */
function procStat(pid: number | 'self'): { own: number; children: number; ppid: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14-17.
    return {
      ppid: Number(rest[1]),
      own: Number(rest[11]) + Number(rest[12]),
      children: Number(rest[13]) + Number(rest[14]),
    };
  } catch {
    return null;
  }
}

/** The server's processes: the postmaster (with its reaped children) and its live children. */
function postgresTicks(postmaster: number | null): number {
  if (!postmaster) return 0;
  const main = procStat(postmaster);
  if (!main) return 0;
  let sum = main.own + main.children;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(Number(entry));
    if (s && s.ppid === postmaster) sum += s.own;
  }
  return sum;
}

/** utime + stime of this process's main thread (its task id is the process id). */
function mainThreadTicks(): number {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return NaN;
  }
}

function snapshot(postmaster: number | null): Snapshot {
  const m = machineTicks();
  const self = procStat('self')!;
  return {
    at: performance.now(),
    machineBusy: m.busy,
    machineTotal: m.total,
    selfTicks: self.own,
    mainThreadTicks: mainThreadTicks(),
    childrenTicks: self.children,
    postgresTicks: postgresTicks(postmaster),
  };
}

/** The postmaster's pid, from a connection to it (the parent of that connection's backend). */
export async function postmasterPid(
  query: (sql: string) => Promise<{ rows: { pid: number }[] }>,
): Promise<number | null> {
  const { rows } = await query('SELECT pg_backend_pid() AS pid');
  return procStat(rows[0].pid)?.ppid ?? null;
}

/** Starts measuring; call the returned function at the end of the window. */
export function cpuWindow(postmaster: number | null): () => CpuUsage {
  const a = snapshot(postmaster);
  return () => {
    const b = snapshot(postmaster);
    const seconds = (b.at - a.at) / 1000;
    const nproc = os.availableParallelism();
    const machineShare = (b.machineBusy - a.machineBusy) / Math.max(1, b.machineTotal - a.machineTotal);
    const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
    const machineCores = machineShare * nproc;
    const nodeCores = cores(b.selfTicks - a.selfTicks);
    const childCores = cores(b.childrenTicks - a.childrenTicks);
    const postgresCores = cores(b.postgresTicks - a.postgresTicks);
    return {
      seconds,
      machineCores,
      nodeCores,
      mainThreadCores: cores(b.mainThreadTicks - a.mainThreadTicks),
      childCores,
      postgresCores,
      otherCores: Math.max(0, machineCores - nodeCores - childCores - postgresCores),
      nproc,
    };
  };
}

/** Cores busy over `ms` before a benchmark starts: other work on the machine skews every figure. */
export async function idleCheck(ms = 1000): Promise<number> {
  const stop = cpuWindow(null);
  await new Promise((r) => setTimeout(r, ms));
  return stop().machineCores;
}

export function describeCpu(u: CpuUsage, nodeLabel = 'node', childLabel = 'pgbench'): string {
  const c = (n: number) => n.toFixed(2);
  const child = u.childCores >= 0.005 ? `, ${childLabel} ${c(u.childCores)}` : '';
  return (
    `CPU over ${u.seconds.toFixed(1)} s: machine ${c(u.machineCores)} of ${u.nproc} cores busy ` +
    `(${nodeLabel} ${c(u.nodeCores)}, postgres ${c(u.postgresCores)}${child}, other ${c(u.otherCores)})` +
    (disturbed(u) ? ' -- WARNING: other processes on the machine took CPU; these figures are skewed' : '')
  );
}

/** Redis and the kernel's share of loopback traffic stay well under this; more means unrelated load. */
export const OTHER_LOAD_LIMIT = 0.25;

export function disturbed(u: CpuUsage): boolean {
  return u.otherCores > OTHER_LOAD_LIMIT;
}

/** A note for the results when some measured window shared the machine with unrelated work. */
export function disturbanceNote(windows: Record<string, CpuUsage>): string | null {
  const hit = Object.entries(windows).filter(([, u]) => disturbed(u));
  if (hit.length === 0) return null;
  return (
    `WARNING: unrelated processes used CPU during ${hit.map(([k, u]) => `${k} (${u.otherCores.toFixed(2)} cores)`).join(', ')}; ` +
    'those figures are lower than on a quiet machine: run again when it is idle'
  );
}
