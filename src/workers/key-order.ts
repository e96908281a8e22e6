import type { BroadcastHandler } from '../queue/port.js';

/**
 * Wraps a handler so broadcasts sharing an `orderKey` run one after the other, each starting only once the previous
 * one settled (its publishes acknowledged by the broker, which then delivers them in that order). Broadcasts with
 * other keys still run side by side. A failed broadcast does not hold back the next: it is retried later, and only
 * then can a user see that one group's messages out of order.
 */
export function inKeyOrder(handler: BroadcastHandler): BroadcastHandler {
  const tails = new Map<string, Promise<unknown>>();
  return (broadcast) => {
    const key = broadcast.orderKey;
    if (key === undefined) return handler(broadcast);
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(() => handler(broadcast));
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
