/**
 * Time in Dino: the API speaks float UNIX seconds (`1597877384.794828`); storage keeps integer microseconds so
 * comparisons are exact and a float never loses a message at a page boundary.
 */
export type Micros = number;

export const secondsToMicros = (seconds: number): Micros => Math.round(seconds * 1e6);
export const microsToSeconds = (micros: Micros): number => micros / 1e6;
/** Wall-clock time with microsecond resolution (Date.now() alone has only milliseconds). */
export const nowMicros = (): Micros => Math.floor((performance.timeOrigin + performance.now()) * 1000);
