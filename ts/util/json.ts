/**
 * Options and descriptions cross to the native side as JSON text, which the core reads strictly.
 * `JSON.stringify` alone would lose mistakes silently (NaN becomes null, a function or a
 * BigInt disappears or throws a TypeError), so values are checked here first, each error naming
 * where the bad value is.
 * @internal
 */
import { InvalidArgumentError } from '../errors.js';
import { describe } from './describe.js';
import { isPlainObject } from './options.js';

/** A plain data value: what a description may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Checks that `value` is plain data (keys whose value is undefined count as not given). */
export function checkJson(where: string, value: unknown, path = ''): void {
  const at = path === '' ? '' : ` ${path}`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`${where}:${at} must be a finite number, got ${String(value)}`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new InvalidArgumentError(`${where}:${at} has a hole at index ${i} (a sparse array); give every element`);
          checkJson(where, value[i], `${path}[${i}]`);
        }
        return;
      }
      if (!isPlainObject(value)) throw new InvalidArgumentError(`${where}:${at} must be plain data (numbers, strings, booleans, arrays, objects), got ${describe(value)}`);
      for (const [key, v] of Object.entries(value)) if (v !== undefined) checkJson(where, v, path === '' ? key : `${path}.${key}`);
      return;
    default:
      throw new InvalidArgumentError(`${where}:${at} must be plain data (numbers, strings, booleans, arrays, objects), got ${describe(value)}`);
  }
}

/** `value` as JSON text, after `checkJson`. */
export function toJson(where: string, value: unknown): string {
  checkJson(where, value);
  return JSON.stringify(value);
}
