/**
 * Where a recipient's publishes go: always the same publishing thread and, in it, the same connection (lane). One
 * connection sends its PUBLISHes in order and the broker forwards them in that order, so a user receives
 * broadcasts in the order they were handed to the threads, without waiting for each one's acknowledgement.
 */
export const workerOf = (userId: number, workers: number): number => userId % workers;
export const connectionOf = (userId: number, workers: number, connections: number): number =>
  Math.floor(userId / workers) % connections;

/** Splits recipients by worker thread, keeping the list order within each. */
export function splitByWorker(userIds: ArrayLike<number>, workers: number): number[][] {
  const shards: number[][] = Array.from({ length: workers }, () => []);
  for (let i = 0; i < userIds.length; i++) shards[workerOf(userIds[i]!, workers)]!.push(userIds[i]!);
  return shards;
}
