/**
 * The progress display on stderr: one status line rewritten in place on a terminal, plain lines otherwise (CI logs),
 * and permanent lines for finished steps. Results go to stdout and files, never here.
 */
const tty = process.stderr.isTTY === true;
const started = performance.now();
let status = '';
let lastPlain = 0;

const clock = () => {
  const s = Math.floor((performance.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

function clearStatus(): void {
  if (tty && status) process.stderr.write('\r\x1b[2K');
}

/** A finished step or a notice: stays on screen. */
export function note(text: string): void {
  clearStatus();
  process.stderr.write(`[${clock()}] ${text}\n`);
  if (tty && status) process.stderr.write(status);
}

/** What is running now; on a terminal it replaces the previous status, elsewhere it prints at most every 5 s. */
export function progress(text: string): void {
  if (tty) {
    clearStatus();
    status = `[${clock()}] ${text}`.slice(0, (process.stderr.columns ?? 120) - 1);
    process.stderr.write(status);
  } else if (performance.now() - lastPlain > 5000) {
    lastPlain = performance.now();
    process.stderr.write(`[${clock()}] ${text}\n`);
  }
}

/** Ends the status line (before printing results). */
export function endProgress(): void {
  clearStatus();
  status = '';
}

/** Calls `show` every `intervalMs` until the returned stop function is called. */
export function every(intervalMs: number, show: () => void): () => void {
  const timer = setInterval(show, intervalMs);
  return () => clearInterval(timer);
}
