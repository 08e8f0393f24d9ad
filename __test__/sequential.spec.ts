// The training API: building, compiling, fitting, evaluating, weights, gradient checks, and the
// typed errors for bad input.
import { describe, expect, it } from 'vitest';
import { thrown, zd } from './helpers.js';

const { layers, optimizers, Sequential } = zd;

/** Two interleaved spirals: not linearly separable, learnable by a small MLP. */
function spirals(n: number, seed = 1): { x: Float32Array; y: Float32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const r = rand() * 4 + 0.2; // random radius, so any held-out slice covers the whole spiral
    const a = r * 1.8 + cls * Math.PI + (rand() - 0.5) * 0.3;
    x[2 * i] = (r * Math.cos(a)) / 4;
    x[2 * i + 1] = (r * Math.sin(a)) / 4;
    y[i] = cls;
  }
  return { x, y };
}

function mlp(seed = 1) {
  return new Sequential(
    [layers.dense({ units: 32, activation: 'tanh', inputShape: [2] }), layers.dense({ units: 32, activation: 'relu' }), layers.dense({ units: 2, activation: 'softmax' })],
    { seed },
  );
}

describe('Sequential', () => {
  it('summarises layers, output shapes and parameter counts', () => {
    const model = new Sequential([
      layers.dense({ units: 256, activation: 'relu', inputShape: [784] }),
      layers.dense({ units: 128, activation: 'relu' }),
      layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    const text = model.summary(null);
    expect(text).toContain('dense_0 (dense, relu)');
    expect(text).toContain('[null, 10]');
    expect(text).toContain(`Total params: ${784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10}`);
  });

  it('exposes weights with PyTorch names and layouts, and sets them back', () => {
    const model = mlp();
    const w = model.getWeights();
    // Numbered as nn.Sequential(Linear, Tanh, Linear, ReLU, Linear, Softmax) numbers its modules.
    expect(Object.keys(w)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    expect(w['0.weight']?.shape).toEqual([32, 2]); // (out, in) as nn.Linear
    expect(w['4.bias']?.shape).toEqual([2]);
    expect(model.layers[2]?.getWeights().bias?.toArray()).toEqual(w['4.bias']?.toArray());
    const layerW = model.layers[0]?.getWeights();
    expect(layerW?.weight?.toArray()).toEqual(w['0.weight']?.toArray());
    const other = mlp(2);
    other.setWeights(w);
    const x = zd.randn([5, 2], { seed: 3 });
    expect(other.predict(x).toArray()).toEqual(model.predict(x).toArray());
    const err = thrown(() => other.setWeights({ '0.weight': zd.zeros([2, 32]) }));
    expect(err.code).toBe('ERR_SHAPE_MISMATCH');
    expect(err.message).toMatch(/\[32, 2\].*\[2, 32\]/);
    expect(thrown(() => other.setWeights({ '9.weight': zd.zeros([1]) })).message).toMatch(/unknown weight "9.weight".*0.weight/);
  });

  it('same seed, same initial weights', () => {
    expect(mlp(7).getWeights()['2.weight']?.toArray()).toEqual(mlp(7).getWeights()['2.weight']?.toArray());
  });

  it('passes gradient checks for every activation and loss through the public utility', () => {
    const x = zd.uniform([6, 3], -1, 1, { seed: 1 });
    const heads = [
      ['meanSquaredError', 'linear', zd.uniform([6, 2], -1, 1, { seed: 2 })],
      ['sparseCategoricalCrossentropy', 'softmax', zd.tensor([0, 1, 1, 0, 1, 0])],
      ['categoricalCrossentropy', 'softmax', zd.tensor([[1, 0], [0, 1], [0, 1], [1, 0], [1, 0], [0, 1]])],
      ['binaryCrossentropy', 'sigmoid', zd.tensor([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])],
    ] as const;
    for (const hidden of ['linear', 'sigmoid', 'tanh', 'relu', 'softmax'] as const) {
      for (const [loss, head, y] of heads) {
        const model = new Sequential(
          [layers.dense({ units: 5, activation: hidden, inputShape: [3], kernelInitializer: 'glorotNormal', biasInitializer: 'glorotUniform' }), layers.dense({ units: 2, activation: head })],
          { seed: 4 },
        );
        model.compile({ optimizer: 'sgd', loss });
        const report = zd.gradientCheck(model, x, y, { epsilon: 1e-3 });
        expect(report.passed, `${hidden}/${loss}: ${JSON.stringify(report.parameters.filter((e) => !e.passed))}`).toBe(true);
      }
    }
  });

  it('learns two spirals, reports history and validation metrics, and evaluates', async () => {
    const { x, y } = spirals(600);
    const model = mlp();
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const xt = zd.tensor(x, [600, 2]);
    const yt = zd.tensor(y);
    const history = await model.fit(xt, yt, { epochs: 60, batchSize: 32, validationSplit: 0.2, seed: 1, verbose: 0 });
    expect(history.epoch).toHaveLength(60);
    const loss = history.history.loss as number[];
    expect(loss[59]).toBeLessThan((loss[0] as number) / 3);
    expect(history.history.val_accuracy?.[59]).toBeGreaterThan(0.9);
    const ev = await model.evaluate(xt, yt);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(ev.loss).toBeCloseTo(model.predict(xt).shape[0] === 600 ? ev.loss : NaN, 6);
  });

  it('same seeds, same training run', async () => {
    const { x, y } = spirals(200);
    const run = async () => {
      const model = mlp(3);
      model.compile({ optimizer: optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), loss: 'sparseCategoricalCrossentropy' });
      const h = await model.fit(zd.tensor(x, [200, 2]), zd.tensor(y), { epochs: 3, batchSize: 16, seed: 5, verbose: 0 });
      return h.history.loss;
    };
    expect(await run()).toEqual(await run());
  });

  it('calls callbacks per batch and per epoch, and stops early', async () => {
    const { x, y } = spirals(100);
    const model = mlp();
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const seen: string[] = [];
    const cb = {
      onEpochEnd: (epoch: number, logs: Record<string, number>) => void seen.push(`e${epoch}:${'accuracy' in logs}`),
      onBatchEnd: (batch: number) => void seen.push(`b${batch}`),
    };
    await model.fit(zd.tensor(x, [100, 2]), zd.tensor(y), { epochs: 2, batchSize: 40, callbacks: [cb], verbose: 0 });
    expect(seen).toEqual(['b0', 'b1', 'b2', 'e0:true', 'b0', 'b1', 'b2', 'e1:true']);
    const stopper = { setModel: (m: { stopTraining: boolean }) => void (stopper.model = m), model: undefined as { stopTraining: boolean } | undefined, onEpochEnd: () => void (stopper.model!.stopTraining = true) };
    const h = await model.fit(zd.tensor(x, [100, 2]), zd.tensor(y), { epochs: 10, callbacks: [stopper], verbose: 0 });
    expect(h.epoch).toHaveLength(1);
  });

  it('trains off the JS thread and stops on an AbortSignal between batches', async () => {
    const x = zd.randn([4096, 64], { seed: 1 });
    const y = zd.tensor(Float32Array.from({ length: 4096 }, (_, i) => i % 10));
    const model = new Sequential([layers.dense({ units: 256, activation: 'relu', inputShape: [64] }), layers.dense({ units: 10, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const controller = new AbortController();
    let batches = 0;
    const fit = model.fit(x, y, {
      epochs: 50,
      batchSize: 64,
      signal: controller.signal,
      verbose: 0,
      callbacks: [{ onBatchEnd: () => void (++batches === 40 && controller.abort()) }],
    });
    const err = await fit.then(
      () => expect.unreachable('fit resolved'),
      (e: unknown) => e as Error & { code?: string },
    );
    clearInterval(timer);
    expect(err).toBeInstanceOf(zd.AbortError);
    expect(err).toBeInstanceOf(zd.ZerodlError);
    expect(err).toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED', message: 'fit() was aborted by its signal' });
    expect(err.cause).toBe(controller.signal.reason);
    expect(batches).toBe(40);
    expect(ticks).toBeGreaterThan(3);
    // Another fit is allowed once the first has ended.
    await model.fit(x, y, { epochs: 1, batchSize: 1024, verbose: 0 });
  });

  it('rejects with AbortError naming the reason when the signal was aborted with one', async () => {
    const model = mlp();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const { x, y } = spirals(20);
    const reason = new Error('the user closed the page');
    const cases: [unknown, string][] = [
      [reason, 'fit() was aborted by its signal: the user closed the page'],
      ['shutting down', 'fit() was aborted by its signal: shutting down'],
    ];
    for (const [why, message] of cases) {
      const controller = new AbortController();
      controller.abort(why);
      await expect(model.fit(zd.tensor(x, [20, 2]), zd.tensor(y), { signal: controller.signal, verbose: 0 })).rejects.toSatisfy(
        (e: unknown) => e instanceof zd.AbortError && e.code === 'ERR_ABORTED' && e.message === message && e.cause === why,
      );
    }
    const timeout = AbortSignal.timeout(0);
    await new Promise((r) => setTimeout(r, 5));
    await expect(model.fit(zd.tensor(x, [20, 2]), zd.tensor(y), { signal: timeout, verbose: 0 })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
      message: 'fit() was aborted by its signal: The operation was aborted due to timeout',
    });
  });

  it('refuses a second concurrent fit on the same model', async () => {
    const model = mlp();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const { x, y } = spirals(200);
    const first = model.fit(zd.tensor(x, [200, 2]), zd.tensor(y), { epochs: 3, verbose: 0 });
    await expect(model.fit(zd.tensor(x, [200, 2]), zd.tensor(y), { verbose: 0 })).rejects.toThrow(/already running/);
    await first;
  });
});

describe('predictValues, the serving call', () => {
  const lstm = () => {
    const model = new Sequential([layers.lstm({ units: 40, inputShape: [null, 3] }), layers.dense({ units: 2 })], { seed: 7 });
    const x = zd.uniform([2, 5, 3], -1, 1, { seed: 8 });
    return { model, x, values: x.toFloat32Array() };
  };

  it('gives what predict gives, for one sequence (the serving path), a batch, and with lengths', () => {
    const { model, x, values } = lstm();
    const batch = model.predictValues(values, [2, 5, 3]);
    expect(batch).toBeInstanceOf(Float32Array);
    expect(Array.from(batch)).toEqual(Array.from(model.predict(x).toFloat32Array()));
    const one = model.predictValues(values.subarray(0, 15), [1, 5, 3]);
    expect(Array.from(one)).toEqual(Array.from(model.predict(zd.tensor(values.slice(0, 15), [1, 5, 3])).toFloat32Array()));
    const padded = model.predictValues(values, [2, 5, 3], { lengths: [2, 5] });
    expect(Array.from(padded)).toEqual(Array.from(model.predict(x, { lengths: [2, 5] }).toFloat32Array()));
    expect(Array.from(padded.subarray(0, 2))).not.toEqual(Array.from(batch.subarray(0, 2)));
  });

  it('rejects bad input with typed errors naming what was expected', () => {
    const { model, values } = lstm();
    const cases: [string, () => unknown, string, RegExp][] = [
      ['a plain array', () => model.predictValues([1, 2, 3] as never, [1, 1, 3]), 'ERR_INVALID_ARGUMENT', /Float32Array, got an array of length 3/],
      ['a shape that is not an array', () => model.predictValues(values, 'big' as never), 'ERR_INVALID_ARGUMENT', /expects a shape as an array of numbers, got the string "big"/],
      // As zd.tensor(values, shape) says it.
      ['too few values for the shape', () => model.predictValues(values, [3, 5, 3]), 'ERR_INVALID_ARGUMENT', /30 values but shape \[3, 5, 3\] needs 45/],
      ['the wrong feature size', () => model.predictValues(values, [2, 3, 5]), 'ERR_SHAPE_MISMATCH', /expects inputs of shape \[batch, null, 3\], got \[2, 3, 5\]/],
      ['lengths of the wrong count', () => model.predictValues(values, [2, 5, 3], { lengths: [5] }), 'ERR_SHAPE_MISMATCH', /lengths has 1 entries but x has 2 sequences/],
      ['NaN in the input', () => model.predictValues(new Float32Array(15).fill(Number.NaN), [1, 5, 3]), 'ERR_NON_FINITE', /NaN/],
    ];
    for (const [what, f, code, message] of cases) {
      const err = thrown(f);
      expect(err.code, what).toBe(code);
      expect(err.message, what).toMatch(message);
    }
  });
});

describe('bad input to the training API', () => {
  const compiled = () => {
    const m = mlp();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const x = zd.randn([8, 2], { seed: 1 });
  const y = zd.tensor([0, 1, 0, 1, 0, 1, 0, 1]);

  it.each([
    ['samples and targets disagree', () => compiled().fit(x, zd.tensor([0, 1, 0]), { verbose: 0 }), 'ERR_SHAPE_MISMATCH', /8 samples.*\[3\]/],
    ['inputs of the wrong width', () => compiled().fit(zd.zeros([8, 5]), y, { verbose: 0 }), 'ERR_SHAPE_MISMATCH', /\[batch, 2\].*\[8, 5\]/],
    ['labels out of range', () => compiled().fit(x, zd.tensor([0, 1, 2, 1, 0, 1, 0, 1]), { verbose: 0, shuffle: false }), 'ERR_INVALID_ARGUMENT', /fit\(\): sparseCategoricalCrossentropy expects integer class labels in \[0, 2\), got 2 at index 2/],
    ['NaN inputs', () => compiled().fit(zd.tensor([[0, NaN], [1, 1]]), zd.tensor([0, 1]), { verbose: 0 }), 'ERR_NON_FINITE', /NaN/],
    ['empty data', () => compiled().fit(zd.zeros([0, 2]), zd.zeros([0]), { verbose: 0 }), 'ERR_INVALID_ARGUMENT', /at least one sample/],
    ['batch size 0', () => compiled().fit(x, y, { batchSize: 0, verbose: 0 }), 'ERR_INVALID_ARGUMENT', /batchSize to be an integer >= 1, got number 0/],
    ['fit before compile', () => mlp().fit(x, y, { verbose: 0 }), 'ERR_INVALID_ARGUMENT', /compile/],
  ] as const)('%s', async (_, run, code, message) => {
    const err = await run().then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(err?.code).toBe(code);
    expect(err?.message).toMatch(message);
  });

  it.each([
    ['an unknown activation', () => new Sequential([layers.dense({ units: 2, activation: 'gelu' as never, inputShape: [2] })]), /layers.dense\(\): activation: unknown value "gelu" \(did you mean "relu"\?\); expected one of "linear", "sigmoid", "tanh", "relu", "softmax"/],
    ['an unknown initializer', () => new Sequential([layers.dense({ units: 2, kernelInitializer: 'ortho' as never, inputShape: [2] })]), /kernelInitializer: unknown value "ortho"; expected one of "seedUniform"/],
    ['an unknown loss', () => mlp().compile({ optimizer: 'sgd', loss: 'hinge' as never }), /compile\(\): loss: unknown value "hinge"; expected one of "meanSquaredError"/],
    ['an unknown optimizer', () => mlp().compile({ optimizer: 'rmsprop' as never, loss: 'meanSquaredError' }), /unknown optimizer "rmsprop"; expected one of "sgd", "adam"/],
    ['a negative learning rate', () => mlp().compile({ optimizer: optimizers.sgd({ learningRate: -1 }), loss: 'meanSquaredError' }), /learningRate.*-1/],
    ['a missing input shape', () => new Sequential([layers.dense({ units: 2 })]), /inputShape/],
    ['zero units', () => layers.dense({ units: 0 }), /units.*got 0/],
    ['softmax cross-entropy on a relu head', () => new Sequential([layers.dense({ units: 2, activation: 'relu', inputShape: [2] })]).compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' }), /softmax/],
  ])('%s is an ERR_INVALID_ARGUMENT', (_, run, message) => {
    const err = thrown(run);
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toMatch(message);
  });

  it('a loss that diverges stops fit with ERR_NON_FINITE naming the epoch and batch, weights finite', async () => {
    const model = new Sequential([layers.dense({ units: 1, inputShape: [1] })], { seed: 1 });
    model.compile({ optimizer: optimizers.sgd({ learningRate: 1e6 }), loss: 'meanSquaredError' });
    const xs = zd.tensor(Float32Array.from({ length: 64 }, (_, i) => i * 100), [64, 1]);
    const ys = zd.tensor(Float32Array.from({ length: 64 }, (_, i) => i), [64, 1]);
    const err = await model.fit(xs, ys, { epochs: 20, batchSize: 8, verbose: 0 }).catch((e: Error & { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('ERR_NON_FINITE');
    expect((err as Error).message).toMatch(/epoch \d+, batch \d+/);
    for (const t of Object.values(model.getWeights())) expect(Array.from(t.toFloat32Array()).every(Number.isFinite)).toBe(true);
  });
});
