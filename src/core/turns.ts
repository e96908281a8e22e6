/**
 * Long loops over caller-sized lists (a million recipients) run in slices, giving the event loop a turn between
 * them, so other requests keep being answered while one big request is checked and prepared.
 */
export const SLICE = 50_000;

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
