// Element-wise comparison against another implementation's output (onnxruntime, PyTorch) within
// 1e-5, relative above 1, keeping the largest difference met for a suite's record.
import { expect } from 'vitest';

export interface Closeness {
  /** Fails naming the first index outside |a - e| <= 1e-5 max(1, |e|). */
  expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void;
  /** "max |a - b| = ... over N values". */
  summary(): string;
}

export function closeness(names: [actual: string, expected: string]): Closeness {
  let worst = 0;
  let compared = 0;
  return {
    expectClose(actual, expected, what) {
      expect(actual.length, `${what}: length`).toBe(expected.length);
      let bad = -1;
      for (let i = 0; i < expected.length; i++) {
        const [a, e] = [actual[i] as number, expected[i] as number];
        const d = Math.abs(a - e);
        worst = Math.max(worst, d);
        if (!(d <= 1e-5 * Math.max(1, Math.abs(e))) && bad < 0) bad = i;
      }
      compared += expected.length;
      expect(bad, `${what}: index ${bad}: ${names[0]} ${actual[bad]}, ${names[1]} ${expected[bad]}`).toBe(-1);
    },
    summary: () => `max |${names[1]} - ${names[0]}| = ${worst.toExponential(2)} over ${compared} values`,
  };
}
