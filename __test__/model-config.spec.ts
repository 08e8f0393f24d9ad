// One model description, owned by the core: every layer kind and option comes back from
// model.toJSON() with its defaults filled in, Sequential.fromConfig rebuilds the same
// architecture (names, parameter names and shapes), and the description is plain, versioned
// JSON that is read strictly.
import { describe, expect, it } from 'vitest';
import { native, thrown, zd } from './helpers.js';

const { layers, Sequential } = zd;
type Model = InstanceType<typeof Sequential>;

/** Parameter names and shapes, in order. */
const architecture = (m: Model) => Object.entries(m.getWeights()).map(([name, t]) => [name, t.shape]);

/** Every layer kind, with every option set away from its default somewhere. */
const models: [string, () => Model][] = [
  ['an MLP with every dense option', () => new Sequential([
    layers.dense({ units: 8, activation: 'relu', inputShape: [5], kernelInitializer: 'heNormal', biasInitializer: 'seedUniform', name: 'hidden' }),
    layers.dropout({ rate: 0.3 }),
    layers.dense({ units: 4, activation: 'tanh', useBias: false, kernelInitializer: 'glorotNormal' }),
    layers.dense({ units: 3, activation: 'softmax', kernelInitializer: 'heUniform', biasInitializer: 'zeros' }),
  ], { seed: 1 })],
  ['the README MLP', () => new Sequential([
    layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: 'heNormal' }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ], { seed: 1 })],
  ['the README recurrent model', () => new Sequential([
    layers.embedding({ inputDim: 52, outputDim: 32, inputShape: [null] }),
    layers.bidirectional(layers.lstm({ units: 128, numLayers: 2, dropout: 0.2, returnSequences: true })),
    layers.dense({ units: 52, activation: 'softmax' }),
  ], { seed: 1 })],
  ['every recurrent option', () => new Sequential([
    layers.simpleRNN({ units: 3, activation: 'relu', returnSequences: true, inputShape: [6, 2] }),
    layers.lstm({ units: 4, numLayers: 2, bidirectional: true, dropout: 0.1, stateful: true, truncateBptt: 3, forgetBias: 0.5, peephole: true, returnSequences: true }),
    layers.gru({ units: 2, name: 'last' }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ], { seed: 1 })],
];

describe('model descriptions', () => {
  it.each(models)('%s: toJSON() describes it fully, and fromConfig rebuilds the same architecture', (_, make) => {
    const model = make();
    const config = model.toJSON();
    expect(config.format).toBe('zerodl.sequential');
    expect(config.version).toBe(1);
    // Every layer named, every option present (defaults included).
    for (const [i, layer] of config.layers.entries()) {
      expect(layer.name).toBe(model.layers[i]?.name);
      expect(Object.keys(layer).sort()).toEqual(['kind', 'name', ...native.layerOptions(layer.kind)!.filter((k: string) => k !== 'name')].sort());
    }
    expect(model.layers.map((l) => l.config)).toEqual(config.layers);
    // Plain JSON: a text round trip is lossless, and JSON.stringify(model) is the description.
    expect(JSON.parse(JSON.stringify(model))).toEqual(config);
    const rebuilt = Sequential.fromConfig(JSON.parse(JSON.stringify(config)));
    expect(rebuilt.toJSON()).toEqual(config);
    expect(architecture(rebuilt)).toEqual(architecture(model));
    expect(Sequential.fromConfig(JSON.stringify(config)).toJSON()).toEqual(config);
  });

  it('defaults are those of the core, filled in at the factory', () => {
    expect(layers.lstm({ units: 3 }).config).toEqual({ kind: 'lstm', units: 3, returnSequences: false, numLayers: 1, bidirectional: false, dropout: 0, stateful: false, truncateBptt: null, forgetBias: 1, peephole: false });
    expect(layers.gru({ units: 3 }).config).toEqual({ kind: 'gru', units: 3, returnSequences: false, numLayers: 1, bidirectional: false, dropout: 0, stateful: false, truncateBptt: null });
    expect(layers.simpleRNN({ units: 3 }).activation).toBe('tanh');
    expect(layers.dense({ units: 3 }).config).toEqual({ kind: 'dense', units: 3, activation: 'linear', useBias: true, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros' });
    expect(zd.optimizers.adam()).toEqual({ kind: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupledWeightDecay: false });
    expect(zd.optimizers.sgd({ momentum: 0.9 })).toEqual({ kind: 'sgd', learningRate: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0 });
  });

  it('a compiled model describes its training, and fromConfig compiles it the same', async () => {
    const model = models[0]![1]();
    model.compile({ optimizer: zd.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], clipNorm: 1 });
    const { training } = model.toJSON();
    expect(training).toEqual({ loss: 'sparseCategoricalCrossentropy', optimizer: zd.optimizers.adam({ learningRate: 0.01 }), metrics: ['accuracy'], clipNorm: 1 });
    const rebuilt = Sequential.fromConfig(model.toJSON(), { seed: 3 });
    expect(rebuilt.toJSON().training).toEqual(training);
    // Ready to train and evaluate, with the accuracy metric.
    const x = zd.uniform([16, 5], -1, 1, { seed: 1 });
    const y = zd.tensor(Array.from({ length: 16 }, (_, i) => i % 3));
    expect(Object.keys(await rebuilt.evaluate(x, y))).toEqual(['loss', 'accuracy']);
    await rebuilt.fit(x, y, { epochs: 2, verbose: 0 });
  });

  it('the same seed gives the same weights; the description holds no weights', () => {
    const a = Sequential.fromConfig(models[3]![1]().toJSON(), { seed: 5 });
    const b = Sequential.fromConfig(a.toJSON(), { seed: 5 });
    for (const [name, t] of Object.entries(a.getWeights())) expect(b.getWeights()[name]?.toFloat32Array()).toEqual(t.toFloat32Array());
    expect(JSON.stringify(a.toJSON())).not.toMatch(/weight_ih/);
  });

  it('is read strictly, with errors naming the place', () => {
    const config = models[1]![1]().toJSON();
    const bad = (edit: (c: Record<string, unknown>) => void) => {
      const c = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
      edit(c);
      return thrown(() => Sequential.fromConfig(c as never));
    };
    const cases: [(c: Record<string, unknown>) => void, RegExp][] = [
      [(c) => (c.version = 2), /format version 2, newer than this version of zerodl reads \(up to 1\)/],
      [(c) => (c.format = 'keras'), /format must be "zerodl.sequential", got the string "keras"/],
      [(c) => (c.layerz = []), /unknown option "layerz"; did you mean "layers"\?/],
      [(c) => ((c.layers as Record<string, unknown>[])[1]!.kind = 'dnese'), /layers\[1\]: unknown layer kind "dnese"; did you mean "dense"\?/],
      [(c) => ((c.layers as Record<string, unknown>[])[0]!.unit = 3), /layers\[0\]: unknown option "unit"; did you mean "units"\?/],
      [(c) => ((c.layers as Record<string, unknown>[])[0]!.units = -3), /layers\[0\]: units: expected a non-negative integer, got -3/],
      [(c) => (c.inputShape = [0]), /inputShape\[0\] must be a positive integer or null/],
      [(c) => (c.layers = []), /at least one layer/],
      [(c) => (c.training = { loss: 'meanSquaredError', optimizer: 'adma' }), /training: optimizer: unknown optimizer "adma"; did you mean "adam"\?/],
    ];
    for (const [edit, message] of cases) {
      const err = bad(edit);
      expect(err.code).toBe('ERR_INVALID_ARGUMENT');
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/^Sequential\.fromConfig\(\)/);
    }
    expect(thrown(() => Sequential.fromConfig('{ not json')).message).toMatch(/not valid JSON/);
    expect(thrown(() => Sequential.fromConfig({ ...config, inputShape: [NaN] } as never)).message).toMatch(/inputShape\[0\] must be a finite number, got NaN/);
  });

  it('a later layer with an inputShape must receive that shape', () => {
    const ok = new Sequential([layers.dense({ units: 4, inputShape: [3] }), layers.dense({ units: 2, inputShape: [4] })]);
    expect(ok.toJSON().layers).toHaveLength(2);
    const err = thrown(() => new Sequential([layers.dense({ units: 4, inputShape: [3] }), layers.dense({ units: 2, inputShape: [5] })]));
    expect(err.code).toBe('ERR_SHAPE_MISMATCH');
    expect(err.message).toMatch(/inputShape \[5\], but the layer before it outputs \[4\]/);
  });

  it('the perceptron and the linear unit describe themselves too', () => {
    const p = new zd.Perceptron(2);
    expect(p.toJSON()).toEqual({ format: 'zerodl.unit', version: 1, kind: 'perceptron', inputSize: 2 });
    expect(zd.Perceptron.fromConfig(JSON.stringify(p)).toJSON()).toEqual(p.toJSON());
    const u = zd.LinearUnit.fromConfig({ format: 'zerodl.unit', version: 1, kind: 'linearUnit', inputSize: 3 });
    expect(u.weights).toEqual([0, 0, 0]);
    expect(thrown(() => zd.LinearUnit.fromConfig(p.toJSON() as never)).message).toMatch(/kind "linearUnit", got kind the string "perceptron"/);
    expect(thrown(() => zd.Perceptron.fromConfig({ kind: 'perceptron', inputSize: 2, version: 7 } as never)).message).toMatch(/format version 7/);
  });
});

describe('gradientCheck verdicts', () => {
  it('pass for correct gradients of every layer kind, and fail under impossible tolerances', () => {
    const x = zd.uniform([3, 4, 2], -1, 1, { seed: 1 });
    const y = zd.uniform([3, 1], -1, 1, { seed: 2 });
    for (const rnn of [layers.simpleRNN, layers.lstm, layers.gru]) {
      const model = new Sequential([rnn({ units: 3, inputShape: [4, 2], bidirectional: true }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 1 })], { seed: 3 });
      model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const report = zd.gradientCheck(model, x, y);
      expect(report.passed, JSON.stringify(report.parameters.filter((p) => !p.passed))).toBe(true);
      for (const p of report.parameters) expect(p.checked).toBeGreaterThan(0);
      // No tolerance at all: float32 central differences never match exactly.
      expect(zd.gradientCheck(model, x, y, { atol: 0, rtol: 0 }).passed).toBe(false);
    }
    const ids = zd.tensor([[1, 2, 0], [3, 1, 1]]);
    const emb = new Sequential([layers.embedding({ inputDim: 4, outputDim: 2, inputShape: [3] }), layers.gru({ units: 2 }), layers.dense({ units: 2, activation: 'softmax' })], { seed: 1 });
    emb.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    expect(zd.gradientCheck(emb, ids, zd.tensor([[1, 0], [0.25, 0.75]])).passed).toBe(true);
  });
});
