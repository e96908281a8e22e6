import { readdirSync, readFileSync } from 'node:fs';
import { until } from './wait.js';

/** The state letter of each of a process's threads, from /proc/<pid>/task/<tid>/stat (threads gone meanwhile left out). */
function threadStates(pid: number): string[] {
  const states: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "tid (comm) S ...": comm may hold spaces and parentheses, so the state follows the last ')'.
    states.push(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  }
  return states;
}

/**
 * Stops a process with SIGSTOP and returns once every thread of it has stopped. kill() only queues the signal: a
 * process with many threads (a JVM) stops when one of them is next scheduled and takes it, so on a loaded machine a
 * request sent right after kill() can still be served.
 */
export async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await until(`every thread of pid ${pid} to stop after SIGSTOP`, () =>
    threadStates(pid).every((state) => state === 'T' || state === 't' || state === 'Z' || state === 'X'), 10_000, 5);
}

/** Lets a process frozen by `freeze` go on (SIGCONT). */
export function thaw(pid: number): void {
  process.kill(pid, 'SIGCONT');
}
