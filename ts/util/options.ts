/**
 * Strict options objects: an unknown key (usually a typo, e.g. `lenghts`) is an error naming the
 * key, the closest known key, and all known keys, rather than an option silently ignored.
 * @internal
 */
import { InvalidArgumentError } from '../errors.js';
import { describe } from './describe.js';

/** Own data and accessors, no prototype beyond a (possibly other realm's) Object.prototype. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // null: Object.create(null); otherwise Object.prototype of this or another realm (vm), whose
  // own prototype is null. A class instance's prototype has Object.prototype above it.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** How a key appears in a message: quoted and escaped, long ones shortened. */
function quote(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}...` : key);
}

/**
 * Throws InvalidArgumentError unless `options` is undefined or a plain object whose keys are all
 * in `known`. `where` names the call, e.g. "loadMnist()". Returns the options (or {} when
 * undefined).
 *
 * Keys are the object's own enumerable string keys (what a spread or destructuring sees); an
 * unknown key is rejected even when its value is undefined. Values are not checked here.
 */
export function checkOptions<T extends object>(where: string, options: T | undefined, known: readonly string[]): T {
  if (options === undefined) return {} as T;
  optionsObject(where, options);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const list = known.length > 0 ? `(options: ${known.join(', ')})` : '(it takes no options)';
    const meant = closest(key, known);
    const hint = meant === undefined ? '' : `; did you mean ${quote(meant)}?`;
    throw new InvalidArgumentError(`${where}: unknown option ${quote(key)}${hint} ${list}`);
  }
  return options;
}

/** `options` as a plain object, or an InvalidArgumentError saying what came instead. */
export function optionsObject(where: string, options: unknown): Record<string, unknown> {
  if (!isPlainObject(options)) throw new InvalidArgumentError(`${where} expects an options object, got ${describe(options)}`);
  return options;
}

/** A seed option: a safe integer, or undefined for a fresh random seed. */
export function seedOption(where: string, seed: unknown): number | undefined {
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new InvalidArgumentError(`${where} expects seed to be an integer, got ${describe(seed)}`);
  return seed as number | undefined;
}

/** A flag option: true or false, `fallback` when not given. */
export function booleanOption(where: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${where} expects ${name} to be true or false, got ${describe(value)}`);
  return value;
}

/** A count option (epochs, batchSize...): an integer from `min` to 2^32 - 1 (the native side's u32). */
export function countOption(where: string, name: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > 2 ** 32 - 1) {
    throw new InvalidArgumentError(`${where} expects ${name} to be an integer >= ${min}, got ${describe(value)}`);
  }
  return value as number;
}

/**
 * Edit distance of a and b: insertions, deletions, substitutions and swaps of two adjacent
 * characters count one each (Levenshtein plus transpositions, the "optimal string alignment"
 * distance), so `dri` is 1 from `dir`, not 2. Returns max + 1 as soon as it must exceed `max`.
 */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] as number) + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    // OSA rows are not monotone like Levenshtein's: a swap reaches back two rows, so stop only
    // when two consecutive rows are both beyond max.
    if (rowMin > max && i > 1 && Math.min(...prev) > max) return max + 1;
    before = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The closest of `candidates` to `key` (Levenshtein distance <= max(1, floor(key.length/3)), a
 * swap of two adjacent letters counting as one edit), or undefined. A candidate equal to `key` up
 * to letter case wins outright (`batchsize` -> `batchSize`); among equally close ones, the first
 * in `candidates`.
 */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameButCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameButCase !== undefined) return sameButCase;
  const max = Math.max(1, Math.floor(key.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const c of candidates) {
    const d = distance(key, c, max);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
