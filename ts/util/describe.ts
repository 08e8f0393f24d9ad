/**
 * Short description of a value for error messages ("null", "an array of length 3", "number 2").
 * Depends on nothing, so modules that must not load the native addon (errors, datasets, options)
 * can use it; the same text as `describe` in tensor.ts.
 * @internal
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}
