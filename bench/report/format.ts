import type { Figure } from '../stats.js';

/** 12 345, 1.23, 0.123: thousands grouped, and enough digits to be read at a glance. */
export function num(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The median, then the spread when there was more than one run: `12,345 (11,002–13,870)`. */
export function fig(f: Figure | undefined, format: (v: number) => string = num): string {
  if (!f || !Number.isFinite(f.median)) return '–';
  const valid = f.runs.filter(Number.isFinite).length;
  return valid > 1 ? `${format(f.median)} (${format(f.min)}–${format(f.max)})` : format(f.median);
}

export const ratio = (f: Figure | undefined): string => fig(f, (v) => `${v.toFixed(2)}×`);
export const ms = (f: Figure | undefined): string => fig(f, (v) => num(v));
