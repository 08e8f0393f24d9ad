// PyTorch interchange (issue 18): state_dicts written by PyTorch (safetensors.torch.save_file)
// load into the matching zerodl models and predict what PyTorch predicted; the files zerodl saves
// name their tensors as the equivalent PyTorch nn.Sequential does, and load back in PyTorch
// (checked by scripts/fixtures/pytorch_fixtures.py --check-zerodl, whose report is committed as
// reverse-check.json, so the reverse direction is covered where torch is not installed).
// Fixtures: __test__/fixtures/pytorch, made by scripts/fixtures/pytorch_fixtures.py (how to
// regenerate them: the top of scripts/fixtures/zerodl_roundtrip.mjs).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, root, zd } from './helpers.js';

type Sequential = InstanceType<typeof zd.Sequential>;
type Tensor = InstanceType<typeof zd.Tensor>;

const TOLERANCE = 1e-5;
const FIXTURES = join(root, '__test__/fixtures/pytorch');
const NAMES = ['mlp', 'mlp_offset', 'lstm_stack', 'gru_stack', 'bilstm', 'bigru_stack', 'rnn_relu', 'embedding_lstm'];

interface KeyShape {
  key: string;
  shape: number[];
}

interface Fixture {
  torch: string;
  name: string;
  description: Parameters<typeof zd.Sequential.fromConfig>[0];
  /** The PyTorch file's keys, in state_dict order. */
  stateDict: KeyShape[];
  /** The keys of the PyTorch nn.Sequential equivalent to the zerodl model (the names zerodl saves under), in order. */
  equivalentStateDict: KeyShape[];
  input: { shape: number[]; values: number[] };
  output: { shape: number[]; values: number[] };
}

interface StTensor {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

interface StFile {
  metadata: Record<string, string> | undefined;
  /** In header order. */
  tensors: Map<string, StTensor>;
}

/** Reads a safetensors file: an 8-byte little-endian header length, the header (JSON), the data. */
function readSafetensors(buf: Buffer): StFile {
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
    const bytes = new Uint8Array(buf.subarray(8 + n + begin, 8 + n + end)); // a copy, aligned
    tensors.set(key, { dtype, shape, data: dtype === 'F32' ? new Float32Array(bytes.buffer) : new Float32Array() });
  }
  return { metadata, tensors };
}

/** Writes float32 tensors as a safetensors file (header padded with spaces to 8 bytes, as the format allows). */
function writeSafetensors(tensors: [string, { shape: number[]; data: Float32Array }][]): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [key, t] of tensors) {
    header[key] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), ...tensors.map(([, t]) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]);
}

const fixturePath = (name: string) => join(FIXTURES, `${name}.safetensors`);
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
const fixtureFile = (name: string) => readSafetensors(readFileSync(fixturePath(name)));
const keys = (list: KeyShape[]) => list.map((e) => e.key);

/** The fixture's model with fresh weights (a seed no fixture used). */
const build = (fx: Fixture): Sequential => zd.Sequential.fromConfig(fx.description, { seed: 12345 });

function predict(model: Sequential, fx: Fixture): { shape: readonly number[]; values: Float32Array } {
  const y = model.predict(zd.tensor(Float32Array.from(fx.input.values), fx.input.shape));
  return { shape: y.shape, values: y.toFloat32Array() };
}

/** Checks that `model` predicts what PyTorch did on the fixture's input; returns the max abs difference. */
function expectPyTorchOutput(model: Sequential, fx: Fixture): number {
  const y = predict(model, fx);
  expect(y.shape).toEqual(fx.output.shape);
  const diff = maxAbsDiff(y.values, fx.output.values);
  expect(diff).toBeLessThanOrEqual(TOLERANCE);
  return diff;
}

/** `zd.loadModel()` of a file holding a Sequential model. */
async function loadSequential(source: string | Uint8Array): Promise<Sequential> {
  const model = await zd.loadModel(source);
  if (!(model instanceof zd.Sequential)) throw new Error(`expected a Sequential model, got ${model.constructor.name}`);
  return model;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; missingKeys?: string[]; unexpectedKeys?: string[] }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

const sorted = (a: readonly string[] | undefined) => [...(a ?? [])].sort();

const tmp = mkdtempSync(join(tmpdir(), 'zerodl-pytorch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Max |difference| per fixture, PyTorch -> zerodl (printed at the end). */
const diffs: Record<string, number> = {};
afterAll(() => {
  if (Object.keys(diffs).length) console.log(`PyTorch -> zerodl max abs differences: ${JSON.stringify(diffs)}`);
});

describe('PyTorch interchange fixtures', () => {
  it('are the expected models, each a .safetensors state_dict and its .json', () => {
    // Files only: conv/ holds the convolution fixtures (pytorch-conv.spec.ts).
    const files = readdirSync(FIXTURES, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
    expect(files).toEqual([...NAMES.flatMap((n) => [`${n}.json`, `${n}.safetensors`]), 'reverse-check.json'].sort());
    for (const name of NAMES) {
      const fx = fixture(name);
      const file = fixtureFile(name);
      expect(fx.name).toBe(name);
      expect([...file.tensors.keys()].sort()).toEqual(keys(fx.stateDict).sort());
      for (const { key, shape } of fx.stateDict) expect(file.tensors.get(key)?.shape, key).toEqual(shape);
      // Only mlp_offset (nn.Flatten at 0) names its modules unlike zerodl's equivalent nn.Sequential.
      if (name === 'mlp_offset') expect(keys(fx.equivalentStateDict)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      else expect(fx.equivalentStateDict).toEqual(fx.stateDict);
    }
  });
});

describe.each(NAMES)('PyTorch fixture %s', (name) => {
  const fx = fixture(name);

  it('loads from a path and predicts what PyTorch did', async () => {
    const model = build(fx);
    const before = predict(model, fx);
    expect(maxAbsDiff(before.values, fx.output.values)).toBeGreaterThan(1e-3); // fresh weights differ
    const result = await model.loadStateDict(fixturePath(name));
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    diffs[name] = expectPyTorchOutput(model, fx);
  });

  it('loads from a Buffer', async () => {
    const model = build(fx);
    expect(await model.loadStateDict(readFileSync(fixturePath(name)))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectPyTorchOutput(model, fx);
  });

  it('loads from a record of Tensors', async () => {
    const model = build(fx);
    const record: Record<string, Tensor> = {};
    for (const [key, t] of fixtureFile(name).tensors) record[key] = zd.tensor(t.data, t.shape);
    expect(await model.loadStateDict(record)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectPyTorchOutput(model, fx);
  });

  it("saves under the equivalent nn.Sequential's names, and loads back", async () => {
    const model = build(fx);
    await model.loadStateDict(fixturePath(name));
    const path = join(tmp, `${name}.safetensors`);
    await model.save(path);
    const saved = readSafetensors(readFileSync(path));
    // The torch keys (those of the equivalent nn.Sequential; the fixture's own, but for mlp_offset's Flatten).
    expect([...saved.tensors.keys()].sort()).toEqual(keys(fx.equivalentStateDict).sort());
    const source = fixtureFile(name);
    fx.equivalentStateDict.forEach(({ key, shape }, i) => {
      const t = saved.tensors.get(key);
      expect(t?.dtype, key).toBe('F32');
      expect(t?.shape, key).toEqual(shape);
      // The same values as PyTorch's tensor in the same place (state_dict order).
      const original = source.tensors.get(fx.stateDict[i]?.key ?? '');
      expect(Array.from(t?.data ?? []), key).toEqual(Array.from(original?.data ?? [0]));
    });
    expect(JSON.stringify(saved.metadata ?? {})).toContain('zerodl.sequential');

    const reloaded = await loadSequential(path);
    expect(Array.from(predict(reloaded, fx).values)).toEqual(Array.from(predict(model, fx).values));
    expect(reloaded.toJSON()).toEqual(model.toJSON());
    expectPyTorchOutput(await loadSequential(readFileSync(path)), fx);
  });
});

describe('the reverse direction (zerodl -> PyTorch)', () => {
  it('reverse-check.json says PyTorch loaded every zerodl-saved model (strict) and matched its outputs', () => {
    const report = JSON.parse(readFileSync(join(FIXTURES, 'reverse-check.json'), 'utf8')) as {
      torch: string;
      date: string;
      models: Record<string, { keysMatched: boolean; maxAbsDiff: number | null; passed: boolean }>;
    };
    expect(report.torch).toBe(fixture('mlp').torch);
    expect(report.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(report.models).sort()).toEqual([...NAMES].sort());
    for (const [name, entry] of Object.entries(report.models)) {
      expect(entry, name).toMatchObject({ keysMatched: true, passed: true });
      expect(entry.maxAbsDiff, name).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('a file saved with the optimizer holds the same parameter names, the optimizer under optimizer.*', async () => {
    const fx = fixture('mlp');
    const model = build(fx);
    await model.loadStateDict(fixturePath('mlp'));
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await model.trainOnBatch(zd.tensor(Float32Array.from(fx.input.values), fx.input.shape), zd.tensor([0, 1, 2, 0]));
    const path = join(tmp, 'mlp-with-optimizer.safetensors');
    await model.save(path, { includeOptimizer: true });
    const saved = [...readSafetensors(readFileSync(path)).tensors.keys()];
    expect(saved.filter((k) => !k.startsWith('optimizer.')).sort()).toEqual(keys(fx.stateDict).sort());
  });
});

describe('loadStateDict mismatches', () => {
  const fx = fixture('mlp');
  /** The fixture's tensors in state_dict order. */
  const entries = () => {
    const tensors = fixtureFile('mlp').tensors;
    return fx.stateDict.map(({ key }): [string, { shape: number[]; data: Float32Array }] => {
      const t = tensors.get(key);
      if (!t) throw new Error(`${key} missing from the fixture`);
      return [key, { shape: t.shape, data: t.data }];
    });
  };
  const file = (name: string, tensors: [string, { shape: number[]; data: Float32Array }][]) => {
    const path = join(tmp, name);
    writeFileSync(path, writeSafetensors(tensors));
    return path;
  };
  const extra: [string, { shape: number[]; data: Float32Array }][] = [
    ['7.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ['7.bias', { shape: [2], data: Float32Array.from([1, 2]) }],
  ];

  it('the test writer makes files loadStateDict reads (the fixture rewritten loads as is)', async () => {
    const model = build(fx);
    expect(await model.loadStateDict(file('mlp-copy.safetensors', entries()))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectPyTorchOutput(model, fx);
  });

  it('an extra key: StateDictMismatchError under strict; strict false loads the rest and reports it', async () => {
    const path = file('mlp-extra.safetensors', [...entries(), ...extra]);
    const refused = build(fx);
    const before = predict(refused, fx).values;
    const err = await rejection(refused.loadStateDict(path));
    expect(err).toBeInstanceOf(zd.StateDictMismatchError);
    expect(err.code).toBe('ERR_STATE_DICT_MISMATCH');
    expect(sorted(err.missingKeys)).toEqual([]);
    expect(sorted(err.unexpectedKeys)).toEqual(['7.bias', '7.weight']);
    expect(Array.from(predict(refused, fx).values)).toEqual(Array.from(before)); // nothing loaded

    const model = build(fx);
    const result = await model.loadStateDict(path, { strict: false });
    expect({ missingKeys: sorted(result.missingKeys), unexpectedKeys: sorted(result.unexpectedKeys) }).toEqual({ missingKeys: [], unexpectedKeys: ['7.bias', '7.weight'] });
    expectPyTorchOutput(model, fx);
  });

  it('a missing key: StateDictMismatchError under strict; strict false loads the rest and reports it', async () => {
    const present = entries().filter(([k]) => k !== '5.bias');
    const path = file('mlp-missing.safetensors', present);
    const err = await rejection(build(fx).loadStateDict(path));
    expect(err).toBeInstanceOf(zd.StateDictMismatchError);
    expect(err.code).toBe('ERR_STATE_DICT_MISMATCH');
    expect(sorted(err.missingKeys)).toEqual(['5.bias']);
    expect(sorted(err.unexpectedKeys)).toEqual([]);

    const model = build(fx);
    const before = Object.values(model.getWeights()).map((t) => Array.from(t.toFloat32Array()));
    const result = await model.loadStateDict(path, { strict: false });
    expect({ missingKeys: sorted(result.missingKeys), unexpectedKeys: sorted(result.unexpectedKeys) }).toEqual({ missingKeys: ['5.bias'], unexpectedKeys: [] });
    // Parameters in order (0.weight, 0.bias, 3.weight, 3.bias, 5.weight, 5.bias): the five in the file loaded, the last kept.
    const after = Object.values(model.getWeights()).map((t) => Array.from(t.toFloat32Array()));
    expect(after).toHaveLength(6);
    present.forEach(([key, t], i) => expect(after[i], key).toEqual(Array.from(t.data)));
    expect(after[5]).toEqual(before[5]);
  });

  it('an extra and a missing key together are both reported', async () => {
    const path = file('mlp-both.safetensors', [...entries().filter(([k]) => k !== '3.weight'), ...extra]);
    const err = await rejection(build(fx).loadStateDict(path, { strict: true }));
    expect(err).toBeInstanceOf(zd.StateDictMismatchError);
    expect({ missingKeys: sorted(err.missingKeys), unexpectedKeys: sorted(err.unexpectedKeys) }).toEqual({ missingKeys: ['3.weight'], unexpectedKeys: ['7.bias', '7.weight'] });
    const result = await build(fx).loadStateDict(path, { strict: false });
    expect({ missingKeys: sorted(result.missingKeys), unexpectedKeys: sorted(result.unexpectedKeys) }).toEqual({ missingKeys: ['3.weight'], unexpectedKeys: ['7.bias', '7.weight'] });
  });

  it('a shape disagreement is ERR_SHAPE_MISMATCH naming the key and both shapes (strict or not)', async () => {
    const tensors = entries().map(([k, t]): [string, { shape: number[]; data: Float32Array }] => (k === '3.weight' ? [k, { shape: [11, 16], data: t.data.subarray(0, 11 * 16) }] : [k, t]));
    const path = file('mlp-shape.safetensors', tensors);
    for (const strict of [true, false]) {
      const err = await rejection(build(fx).loadStateDict(path, { strict }));
      expect(err).toBeInstanceOf(zd.ShapeMismatchError);
      expect(err.code).toBe('ERR_SHAPE_MISMATCH');
      expect(err.message).toContain('3.weight');
      expect(err.message).toMatch(/11\D{1,3}16/); // the file's [11, 16]
      expect(err.message).toMatch(/12\D{1,3}16/); // the model's [12, 16]
    }
  });
});
