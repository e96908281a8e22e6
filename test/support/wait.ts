export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` (sync or async) until it yields a value (not undefined/false), or fails naming what it waited for.
 * The one polling helper of tests and benches.
 */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
