import { readFileSync } from 'node:fs';

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
