// Convolutional models and PyTorch (issue 19): state_dicts PyTorch wrote (LeNet-5, a batch-norm
// CNN with running statistics and int64 num_batches_tracked, a batch-norm MLP, a 1-D CNN, a
// reshape + global-average-pool net) load into the zerodl models built with the layer factories
// and predict what PyTorch predicted in eval mode; zerodl saves them under PyTorch's keys; the
// reverse direction (PyTorch loading zerodl's files, strict) is checked by
// scripts/fixtures/pytorch_conv_fixtures.py --check-zerodl, whose report is committed. Every
// forward-only case of layers.json also runs through a one-layer model here (the napi path; the
// gradients are checked in Rust, crates/zerodl-core/src/nn/conv/torch_tests.rs).
// Fixtures: __test__/fixtures/pytorch/conv (how to regenerate them: the top of
// scripts/fixtures/zerodl_conv_roundtrip.mjs).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, root, zd } from './helpers.js';

type Sequential = InstanceType<typeof zd.Sequential>;
type Tensor = InstanceType<typeof zd.Tensor>;
type Description = Parameters<typeof zd.Sequential.fromConfig>[0];

const TOLERANCE = 1e-5;
const FIXTURES = join(root, '__test__/fixtures/pytorch/conv');
const MODELS = ['lenet', 'bn_cnn', 'bn_mlp', 'conv1d_net', 'gap_net'] as const;
type ModelName = (typeof MODELS)[number];

interface ModelFixture {
  torch: string;
  name: string;
  description: Description;
  /** The PyTorch file's keys, in state_dict order. */
  stateDict: { key: string; shape: number[]; dtype: 'F32' | 'I64' }[];
  input: { shape: number[]; values: number[] };
  output: { shape: number[]; values: number[] };
}

interface LayerCase {
  name: string;
  layer: Record<string, unknown> & { kind: string };
  mode: 'training' | 'inference';
  input: { shape: number[]; values: number[] };
  params: { name: string; shape: number[]; values: number[]; trainable: boolean }[];
  output: { shape: number[]; values: number[] };
}

/** The fixtures' models as a user writes them with the layer factories (fresh weights: a seed no fixture used). */
const BUILDERS: Record<ModelName, () => Sequential> = {
  lenet: () =>
    new zd.Sequential(
      [
        zd.layers.conv2d({ filters: 6, kernelSize: 5, padding: 2, activation: 'relu', inputShape: [1, 28, 28] }),
        zd.layers.maxPool2d({ poolSize: 2 }),
        zd.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
        zd.layers.maxPool2d({ poolSize: 2 }),
        zd.layers.flatten({}),
        zd.layers.dense({ units: 120, activation: 'relu' }),
        zd.layers.dense({ units: 84, activation: 'relu' }),
        zd.layers.dense({ units: 10 }), // logits, as PyTorch's last nn.Linear
      ],
      { seed: 12345 },
    ),
  bn_cnn: () =>
    new zd.Sequential(
      [
        zd.layers.conv2d({ filters: 8, kernelSize: 3, padding: 1, activation: 'relu', inputShape: [3, 8, 8] }),
        zd.layers.batchNormalization({}),
        zd.layers.avgPool2d({ poolSize: 2 }),
        zd.layers.conv2d({ filters: 8, kernelSize: 3, groups: 8 }), // depthwise
        zd.layers.flatten({}),
        zd.layers.dense({ units: 5 }),
      ],
      { seed: 12345 },
    ),
  bn_mlp: () =>
    new zd.Sequential(
      [zd.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }), zd.layers.batchNormalization({ momentum: 0.3 }), zd.layers.dense({ units: 3 })],
      { seed: 12345 },
    ),
  conv1d_net: () =>
    new zd.Sequential(
      [
        zd.layers.conv1d({ filters: 6, kernelSize: 3, padding: 1, activation: 'tanh', inputShape: [3, 11] }),
        zd.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2 }),
        zd.layers.flatten({}),
        zd.layers.dense({ units: 3 }),
      ],
      { seed: 12345 },
    ),
  gap_net: () =>
    new zd.Sequential(
      [
        zd.layers.reshape({ targetShape: [2, 6, 6], inputShape: [72] }),
        zd.layers.conv2d({ filters: 5, kernelSize: 3, padding: 1, activation: 'sigmoid' }),
        zd.layers.maxPool2d({ poolSize: 2 }),
        zd.layers.globalAveragePool2d({}),
        zd.layers.dense({ units: 3 }),
      ],
      { seed: 12345 },
    ),
};

interface StTensor {
  dtype: string;
  shape: number[];
  /** The values as float32 (I64 converted, as zerodl's loader does). */
  data: Float32Array;
}

/** Reads a safetensors file (F32 and I64 tensors): an 8-byte little-endian header length, the header (JSON), the data. */
function readSafetensors(buf: Buffer): { metadata: Record<string, string> | undefined; tensors: Map<string, StTensor> } {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const tensors = new Map<string, StTensor>();
  let metadata: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: [begin, end] } = value as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const bytes = new Uint8Array(buf.subarray(8 + n + begin, 8 + n + end)).buffer; // a copy, aligned
    const data = dtype === 'F32' ? new Float32Array(bytes) : dtype === 'I64' ? Float32Array.from(new BigInt64Array(bytes), Number) : new Float32Array();
    tensors.set(key, { dtype, shape, data });
  }
  return { metadata, tensors };
}

const fixturePath = (name: string) => join(FIXTURES, `${name}.safetensors`);
const fixture = (name: ModelName) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as ModelFixture;
const fixtureFile = (name: string) => readSafetensors(readFileSync(fixturePath(name)));
const layerCases = () => (JSON.parse(readFileSync(join(FIXTURES, 'layers.json'), 'utf8')) as { cases: LayerCase[] }).cases;

/** A description without its layers' names (generated names are not the point here). */
function unnamed(description: unknown): unknown {
  const d = JSON.parse(JSON.stringify(description)) as { layers: Record<string, unknown>[] };
  for (const layer of d.layers) delete layer.name;
  return d;
}

const input = (fx: { input: { shape: number[]; values: number[] } }) => zd.tensor(Float32Array.from(fx.input.values), fx.input.shape);

function predict(model: Sequential, fx: ModelFixture): { shape: readonly number[]; values: Float32Array } {
  const y = model.predict(input(fx));
  return { shape: y.shape, values: y.toFloat32Array() };
}

/** Checks that `model` predicts what PyTorch did on the fixture's input; returns the max abs difference. */
function expectPyTorchOutput(model: Sequential, fx: ModelFixture): number {
  const y = predict(model, fx);
  expect(y.shape).toEqual(fx.output.shape);
  const diff = maxAbsDiff(y.values, fx.output.values);
  expect(diff).toBeLessThanOrEqual(TOLERANCE);
  return diff;
}

/** The largest |a - b| / max(1, |b|). */
function scaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return m;
}

const weightsOf = (model: Sequential) => Object.fromEntries(Object.entries(model.getWeights()).map(([k, t]) => [k, Array.from(t.toFloat32Array())]));

const tmp = mkdtempSync(join(tmpdir(), 'zerodl-pytorch-conv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Max |difference| per fixture, PyTorch -> zerodl (printed at the end). */
const diffs: Record<string, number> = {};
afterAll(() => {
  if (Object.keys(diffs).length) console.log(`PyTorch -> zerodl max abs differences: ${JSON.stringify(diffs)}`);
});

describe('PyTorch convolution fixtures', () => {
  it('are the layer cases, each model as a .safetensors state_dict and its .json, and the reverse check', () => {
    const expected = ['layers.json', 'reverse-check.json', ...MODELS.flatMap((n) => [`${n}.json`, `${n}.safetensors`])];
    expect(readdirSync(FIXTURES).sort()).toEqual(expected.sort());
    for (const name of MODELS) {
      const fx = fixture(name);
      const file = fixtureFile(name);
      expect(fx.name).toBe(name);
      expect([...file.tensors.keys()].sort()).toEqual(fx.stateDict.map((e) => e.key).sort());
      for (const { key, shape, dtype } of fx.stateDict) expect(file.tensors.get(key), key).toMatchObject({ shape, dtype });
    }
    // PyTorch keeps num_batches_tracked as an int64 scalar: the loader must convert it.
    expect(fixture('bn_cnn').stateDict.find((e) => e.key === '2.num_batches_tracked')).toEqual({ key: '2.num_batches_tracked', shape: [], dtype: 'I64' });
    // Trained 5 SGD steps, after the train-mode forward that made the targets.
    expect(fixtureFile('bn_cnn').tensors.get('2.num_batches_tracked')?.data[0]).toBe(6);
  });
});

describe.each(MODELS)('PyTorch model %s', (name) => {
  const fx = fixture(name);
  const build = BUILDERS[name];

  it("the factories build the fixture's description", () => {
    expect(unnamed(build().toJSON())).toEqual(unnamed(zd.Sequential.fromConfig(fx.description).toJSON()));
  });

  it("loads PyTorch's state_dict from a path and predicts what PyTorch did (eval mode)", async () => {
    const model = build();
    expect(maxAbsDiff(predict(model, fx).values, fx.output.values)).toBeGreaterThan(1e-4); // fresh weights differ
    expect(await model.loadStateDict(fixturePath(name))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    diffs[name] = expectPyTorchOutput(model, fx);
  });

  it('loads from a Buffer', async () => {
    const model = build();
    expect(await model.loadStateDict(readFileSync(fixturePath(name)))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectPyTorchOutput(model, fx);
  });

  it('loads from a record of Tensors (int64 counts given as float32)', async () => {
    const record: Record<string, Tensor> = {};
    for (const [key, t] of fixtureFile(name).tensors) record[key] = zd.tensor(t.data, t.shape);
    const fromRecord = build();
    expect(await fromRecord.loadStateDict(record)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectPyTorchOutput(fromRecord, fx);
  });

  it("saves under PyTorch's keys (float32 throughout), and loads back", async () => {
    const model = build();
    await model.loadStateDict(fixturePath(name));
    const path = join(tmp, `${name}.safetensors`);
    await model.save(path);
    const saved = readSafetensors(readFileSync(path));
    expect([...saved.tensors.keys()].sort()).toEqual(fx.stateDict.map((e) => e.key).sort());
    expect(Object.keys(model.getWeights())).toEqual(fx.stateDict.map((e) => e.key)); // state_dict order
    const source = fixtureFile(name);
    for (const { key, shape } of fx.stateDict) {
      const t = saved.tensors.get(key);
      expect(t?.dtype, key).toBe('F32'); // num_batches_tracked too (PyTorch's load_state_dict converts)
      expect(t?.shape, key).toEqual(shape);
      expect(Array.from(t?.data ?? []), key).toEqual(Array.from(source.tensors.get(key)?.data ?? [NaN]));
    }
    expect(JSON.stringify(saved.metadata ?? {})).toContain('zerodl.sequential');

    const reloaded = await zd.loadModel(path);
    if (!(reloaded instanceof zd.Sequential)) throw new Error('expected a Sequential model');
    expect(Array.from(predict(reloaded, fx).values)).toEqual(Array.from(predict(model, fx).values));
    expect(reloaded.toJSON()).toEqual(model.toJSON());
  });

  it.runIf(name.startsWith('bn_'))('predict uses the running statistics and leaves them; training updates them once per batch', async () => {
    const model = build();
    await model.loadStateDict(fixturePath(name));
    const before = weightsOf(model);
    const first = predict(model, fx).values;
    expect(Array.from(predict(model, fx).values)).toEqual(Array.from(first));
    expect(weightsOf(model)).toEqual(before);

    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await model.trainOnBatch(input(fx), zd.tensor(new Float32Array(fx.output.values.length), fx.output.shape));
    const after = weightsOf(model);
    const bn = fx.stateDict.find((e) => e.key.endsWith('.running_mean'))?.key.split('.')[0];
    expect(after[`${bn}.num_batches_tracked`]).toEqual([(before[`${bn}.num_batches_tracked`]?.[0] ?? NaN) + 1]);
    expect(after[`${bn}.running_mean`]).not.toEqual(before[`${bn}.running_mean`]);
    expect(after[`${bn}.running_var`]).not.toEqual(before[`${bn}.running_var`]);
  });
});

describe('layers.json cases through a one-layer model (predict)', () => {
  // Batch norm in training mode normalizes by the batch, which predict does not: those cases are Rust's alone.
  const cases = layerCases().filter((c) => c.layer.kind !== 'batchNormalization' || c.mode === 'inference');

  it('cover every layer kind', () => {
    expect(new Set(cases.map((c) => c.layer.kind))).toEqual(new Set(['conv2d', 'conv1d', 'maxPool2d', 'avgPool2d', 'globalAveragePool2d', 'batchNormalization']));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const model = zd.Sequential.fromConfig({ format: 'zerodl.sequential', version: 1, inputShape: c.input.shape.slice(1), layers: [c.layer] } as unknown as Description);
    const state: Record<string, Tensor> = {};
    for (const p of c.params) state[`0.${p.name}`] = zd.tensor(Float32Array.from(p.values), p.shape);
    if (c.params.length) expect(await model.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const y = model.predict(input(c));
    expect(y.shape).toEqual(c.output.shape);
    expect(scaledDiff(y.toFloat32Array(), c.output.values)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('the reverse direction (zerodl -> PyTorch)', () => {
  it('reverse-check.json says PyTorch loaded every zerodl-saved model (strict), matched its outputs and counts', () => {
    const report = JSON.parse(readFileSync(join(FIXTURES, 'reverse-check.json'), 'utf8')) as {
      torch: string;
      date: string;
      passed: boolean;
      models: Record<string, { keysMatched: boolean; maxAbsDiff: number | null; passed: boolean; dtypes: Record<string, string>; numBatchesTracked?: Record<string, number> }>;
    };
    expect(report.torch).toBe(fixture('lenet').torch);
    expect(report.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // Each model as loaded from PyTorch's file, and as trained by zerodl from its own initialization.
    expect(Object.keys(report.models).sort()).toEqual(MODELS.flatMap((n) => [n, `${n}.trained`]).sort());
    for (const [name, entry] of Object.entries(report.models)) {
      expect(entry, name).toMatchObject({ keysMatched: true, passed: true });
      expect(entry.maxAbsDiff, name).toBeLessThanOrEqual(TOLERANCE);
    }
    expect(report.passed).toBe(true);
    // zerodl's counts are float32 in its files; PyTorch loaded them into its int64 buffer.
    expect(report.models.bn_cnn?.dtypes).toEqual({ '2.num_batches_tracked': 'float32' });
    expect(report.models.bn_cnn?.numBatchesTracked).toEqual({ '2.num_batches_tracked': fixtureFile('bn_cnn').tensors.get('2.num_batches_tracked')?.data[0] });
    expect(report.models['bn_cnn.trained']?.numBatchesTracked).toEqual({ '2.num_batches_tracked': 2 }); // zerodl's own steps
  });
});
