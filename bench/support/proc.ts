/** What /proc tells about a process we started: its memory and its CPU use (Linux). */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Resident set size of a process in MB, from /proc/<pid>/status (0 when unreadable, e.g. not Linux). */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `intervalMs` and keeps the highest value seen until stopped. */
export function sampleRssMax(pid: number, intervalMs = 50): { stop(): number } {
  let max = rssMb(pid);
  const timer = setInterval(() => (max = Math.max(max, rssMb(pid))), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, rssMb(pid));
    },
  };
}

/** CPU seconds (user + system, all threads) a process has used so far; NaN when unreadable. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return Number.NaN;
  }
}

/** The machine's CPU time so far, idle and in all, in clock ticks (/proc/stat): how busy it was between two reads. */
export function machineTicks(): { idle: number; total: number } {
  // user nice system idle iowait irq softirq steal; guest and guest_nice, which follow, are counted in user and nice.
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: fields[3]! + fields[4]!, total: fields.reduce((sum, f) => sum + f, 0) }; // idle + iowait
}

/**
 * A process's timer slack in ns (how late the kernel may end its timed sleeps; Linux ≥ 4.6), or undefined when it
 * cannot be read (another user's process needs CAP_SYS_NICE).
 */
export function timerSlackNs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/timerslack_ns`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The process listening on a local TCP port (the Cassandra or Redis this machine runs), from /proc/net/tcp{,6} and
 * the socket inodes in /proc/<pid>/fd; undefined when not found or not readable.
 */
export function listenerPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && Number.parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(pid);
      }
    } catch {
      // Not ours to read, or gone.
    }
  }
  return undefined;
}

/** CPU seconds of each thread of a process so far, by thread id (the main thread's id is the pid). */
export function threadCpuSeconds(pid: number): Map<number, { name: string; seconds: number }> {
  const threads = new Map<number, { name: string; seconds: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      threads.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * Resolves once the process has used under `busy` of a core over a `windowMs` window, or after `maxMs`: `dino start`
 * keeps fanning out the backlog a load run queued, which must not land on the next measurement.
 */
export async function waitUntilIdle(pid: number, { busy = 0.1, windowMs = 500, maxMs = 60_000 } = {}): Promise<void> {
  const deadline = performance.now() + maxMs;
  let last = cpuSeconds(pid);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = cpuSeconds(pid);
    if (!Number.isFinite(now) || (now - last) / (windowMs / 1000) < busy) return;
    last = now;
  }
}
