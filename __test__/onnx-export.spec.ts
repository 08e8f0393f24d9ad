// ONNX export (issue 18): every supported layer configuration is exported, run in onnxruntime
// and compared with zerodl's own predict() on random inputs (padded batches with sequence
// lengths included), through one exported file for several batch sizes and sequence lengths;
// the file is written atomically; unsupported models and bad options are typed errors.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeness } from './closeness.js';
import { thrown, zd } from './helpers.js';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
const { decodeModel } = require('../dist/interchange/onnx/schema.js') as typeof import('../dist/interchange/onnx/schema.js');

const { layers, Sequential } = zd;
type Model = InstanceType<typeof Sequential>;
type RecurrentLayer = ReturnType<typeof layers.lstm>;

const dir = mkdtempSync(join(tmpdir(), 'zerodl-onnx-'));
afterAll(() => {
  // The largest difference met, for the record (the suite's bound is 1e-5).
  console.log(`onnx-export: ${summary()}`);
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
const { expectClose, summary } = closeness(['onnxruntime', 'zerodl']);

async function exportToFile(model: Model, options?: { sequenceLengths?: boolean }): Promise<string> {
  const path = join(dir, `model-${fileCount++}.onnx`);
  await model.exportOnnx(path, options);
  return path;
}

interface RunArgs {
  /** Per-sample input shape for this run (free dims filled in). */
  sample: number[];
  batch: number;
  /** Valid steps per sequence (exports and feeds sequence_lens). */
  lengths?: number[];
  /** Integer ids in [0, vocab) instead of normal values (embedding models). */
  vocab?: number;
  seed?: number;
}

function inputData(args: RunArgs): Float32Array {
  const size = args.batch * args.sample.reduce((a, b) => a * b, 1);
  const values = zd.randn([size], { seed: args.seed ?? 7 }).toFloat32Array();
  if (args.vocab === undefined) return values;
  const vocab = args.vocab;
  return values.map((v) => Math.min(vocab - 1, Math.floor(Math.abs(v) * vocab) % vocab));
}

/** Runs the exported model and zerodl's predict on the same input; they must agree. */
async function compare(session: import('onnxruntime-node').InferenceSession, model: Model, args: RunArgs, what: string): Promise<void> {
  const data = inputData(args);
  const dims = [args.batch, ...args.sample];
  const feeds: Record<string, import('onnxruntime-node').Tensor> = { input: new ort.Tensor('float32', data, dims) };
  if (args.lengths) feeds.sequence_lens = new ort.Tensor('int32', Int32Array.from(args.lengths), [args.batch]);
  const { output } = await session.run(feeds);
  const expected = model.predict(zd.tensor(data, dims), args.lengths ? { lengths: args.lengths } : {});
  expect(output?.dims, `${what}: output shape`).toEqual(expected.shape);
  expectClose(output?.data as Float32Array, expected.toFloat32Array(), what);
}

/** Exports `model`, then compares it with onnxruntime on every run. */
async function check(model: Model, runs: RunArgs[], what: string, options?: { sequenceLengths?: boolean }): Promise<string> {
  const path = await exportToFile(model, options);
  const session = await ort.InferenceSession.create(path);
  for (const [i, run] of runs.entries()) await compare(session, model, run, `${what} (run ${i}: batch ${run.batch}, sample [${run.sample.join(', ')}])`);
  return path;
}

const T = 6;
const D = 4;
const seqRuns = (sample = [T, D]): RunArgs[] => [
  { sample, batch: 5, seed: 11 },
  { sample, batch: 1, seed: 12 },
];
// Padded batch: lengths from 1 to T, the padded steps holding random values (they must not matter).
const padded: RunArgs = { sample: [T, D], batch: 5, lengths: [T, 3, 1, T - 1, 2], seed: 13 };
const paddedOne: RunArgs = { sample: [T, D], batch: 1, lengths: [4], seed: 14 };
const fullLengths: RunArgs = { sample: [T, D], batch: 3, lengths: [T, T, T], seed: 15 };

const CELLS = ['simpleRNN', 'lstm', 'gru'] as const;
type Cell = (typeof CELLS)[number];
const cell = (kind: Cell, args: Record<string, unknown>): RecurrentLayer => (layers[kind] as (a: never) => RecurrentLayer)(args as never);

describe('ONNX export: dense models', () => {
  for (const activation of ['linear', 'sigmoid', 'tanh', 'relu', 'softmax'] as const) {
    it(`dense with ${activation}`, async () => {
      const model = new Sequential([layers.dense({ units: 8, activation, inputShape: [D] })], { seed: 1 });
      await check(model, [{ sample: [D], batch: 5 }, { sample: [D], batch: 1 }], activation);
    });
  }

  it('a dense layer without bias', async () => {
    const model = new Sequential([layers.dense({ units: 3, useBias: false, inputShape: [D] })], { seed: 1 });
    await check(model, [{ sample: [D], batch: 4 }], 'no bias');
  });

  it('an MLP with dropout (the identity at inference)', async () => {
    const model = new Sequential(
      [
        layers.dense({ units: 16, activation: 'relu', inputShape: [D] }),
        layers.dropout({ rate: 0.5 }),
        layers.dense({ units: 8, activation: 'tanh' }),
        layers.dropout({ rate: 0.2 }),
        layers.dense({ units: 3, activation: 'softmax' }),
      ],
      { seed: 1 },
    );
    await check(model, [{ sample: [D], batch: 5 }, { sample: [D], batch: 1 }], 'mlp');
  });

  it('a model of dropout only (the input passed through)', async () => {
    const model = new Sequential([layers.dropout({ rate: 0.5, inputShape: [D] })], { seed: 1 });
    await check(model, [{ sample: [D], batch: 2 }], 'dropout only');
  });

  it('dense on sequences (time-distributed) with a free timesteps dim', async () => {
    const model = new Sequential([layers.dense({ units: 5, activation: 'sigmoid', inputShape: [null, D] }), layers.dense({ units: 2 })], { seed: 1 });
    await check(model, [{ sample: [3, D], batch: 2 }, { sample: [7, D], batch: 1 }], 'time-distributed');
  });
});

describe('ONNX export: recurrent models', () => {
  it('embedding + LSTM (ids cast to int64, then Gather)', async () => {
    const vocab = 11;
    const model = new Sequential(
      [
        layers.embedding({ inputDim: vocab, outputDim: 5, inputShape: [T] }),
        layers.lstm({ units: 7, returnSequences: true }),
        layers.dense({ units: vocab, activation: 'softmax' }),
      ],
      { seed: 1 },
    );
    await check(model, [{ sample: [T], batch: 5, vocab }, { sample: [T], batch: 1, vocab }], 'embedding+lstm');
  });

  it('embedding with a free length and sequence lengths', async () => {
    const vocab = 9;
    const model = new Sequential([layers.embedding({ inputDim: vocab, outputDim: 3, inputShape: [null] }), layers.gru({ units: 4, bidirectional: true })], { seed: 1 });
    await check(
      model,
      [
        { sample: [T], batch: 4, vocab, lengths: [T, 2, 5, 1] },
        { sample: [3], batch: 1, vocab, lengths: [3] },
      ],
      'embedding+gru',
      { sequenceLengths: true },
    );
  });

  it('simpleRNN with tanh and with relu', async () => {
    for (const activation of ['tanh', 'relu'] as const) {
      const model = new Sequential([layers.simpleRNN({ units: 5, activation, inputShape: [T, D] })], { seed: 1 });
      await check(model, seqRuns(), `simpleRNN ${activation}`);
      const seq = new Sequential([layers.simpleRNN({ units: 5, activation, returnSequences: true, inputShape: [T, D] })], { seed: 2 });
      await check(seq, seqRuns(), `simpleRNN ${activation} sequences`);
    }
  });

  it('LSTM with and without peepholes', async () => {
    for (const peephole of [false, true]) {
      for (const returnSequences of [false, true]) {
        const model = new Sequential([layers.lstm({ units: 6, peephole, returnSequences, inputShape: [T, D] })], { seed: 1 });
        if (peephole) {
          // Peepholes start at zero: give them values so their order (i, f, o -> i, o, f) matters.
          model.layers[0]?.setWeights({ peephole_l0: zd.uniform([3, 6], -1, 1, { seed: 3 }) });
        }
        await check(model, seqRuns(), `lstm peephole=${peephole} returnSequences=${returnSequences}`);
      }
    }
  });

  it('GRU (linear_before_reset, gates z, r, h)', async () => {
    for (const returnSequences of [false, true]) {
      const model = new Sequential([layers.gru({ units: 6, returnSequences, inputShape: [T, D] })], { seed: 1 });
      await check(model, seqRuns(), `gru returnSequences=${returnSequences}`);
    }
  });

  for (const kind of CELLS) {
    it(`${kind}: two stacked layers (one node each)`, async () => {
      for (const returnSequences of [false, true]) {
        const model = new Sequential([cell(kind, { units: 5, numLayers: 2, dropout: 0.3, returnSequences, inputShape: [T, D] })], { seed: 1 });
        const path = await check(model, seqRuns(), `${kind} numLayers 2 returnSequences=${returnSequences}`);
        const nodes = (decodeModel(readFileSync(path)).graph as { node: { op_type: string }[] }).node;
        expect(nodes.filter((n) => ['RNN', 'LSTM', 'GRU'].includes(n.op_type))).toHaveLength(2);
      }
    });

    it(`${kind}: bidirectional (option and layers.bidirectional wrapper)`, async () => {
      for (const returnSequences of [false, true]) {
        const opt = new Sequential([cell(kind, { units: 5, bidirectional: true, returnSequences, inputShape: [T, D] })], { seed: 1 });
        await check(opt, seqRuns(), `${kind} bidirectional option returnSequences=${returnSequences}`);
        const wrapped = new Sequential([layers.bidirectional(cell(kind, { units: 4, returnSequences, inputShape: [T, D] }))], { seed: 2 });
        await check(wrapped, seqRuns(), `${kind} layers.bidirectional returnSequences=${returnSequences}`);
      }
    });

    it(`${kind}: stacked and bidirectional, with sequence lengths (padded batches)`, async () => {
      for (const returnSequences of [false, true]) {
        for (const bidirectional of [false, true]) {
          const extra = kind === 'lstm' ? { peephole: true } : kind === 'simpleRNN' ? { activation: 'relu' } : {};
          const model = new Sequential(
            [cell(kind, { units: 5, numLayers: 2, bidirectional, returnSequences, inputShape: [T, D], ...extra }), layers.dense({ units: 3, activation: 'tanh' })],
            { seed: 1 },
          );
          if (kind === 'lstm') {
            const peepholes = Object.fromEntries(Object.keys(model.layers[0]!.getWeights()).filter((k) => k.startsWith('peephole')).map((k, i) => [k, zd.uniform([3, 5], -1, 1, { seed: 20 + i })]));
            model.layers[0]?.setWeights(peepholes);
          }
          const what = `${kind} bidirectional=${bidirectional} returnSequences=${returnSequences} with lengths`;
          await check(model, [padded, paddedOne, fullLengths], what, { sequenceLengths: true });
        }
      }
    });

    it(`${kind}: a free timesteps dim (one file, several lengths and batch sizes)`, async () => {
      const model = new Sequential([cell(kind, { units: 4, returnSequences: true, inputShape: [null, D] }), cell(kind, { units: 3, bidirectional: true })], { seed: 1 });
      await check(
        model,
        [
          { sample: [2, D], batch: 5 },
          { sample: [9, D], batch: 1 },
          { sample: [1, D], batch: 3 },
        ],
        `${kind} free timesteps`,
      );
    });
  }

  it('stacked recurrent layers with a dense between them, sequence lengths to both', async () => {
    const model = new Sequential(
      [
        layers.gru({ units: 5, returnSequences: true, inputShape: [null, D] }),
        layers.dense({ units: 4, activation: 'relu' }),
        layers.lstm({ units: 3, bidirectional: true, returnSequences: true }),
      ],
      { seed: 1 },
    );
    const path = await check(model, [padded, paddedOne, { sample: [3, D], batch: 2, lengths: [1, 3] }], 'gru-dense-lstm', { sequenceLengths: true });
    const nodes = (decodeModel(readFileSync(path)).graph as { node: { op_type: string; input: string[] }[] }).node;
    for (const n of nodes.filter((m) => m.op_type === 'GRU' || m.op_type === 'LSTM')) expect(n.input[4]).toBe('sequence_lens');
  });
});

describe('ONNX export: the file and the graph', () => {
  it('writes the file atomically (no temporary file left) and toOnnx() gives the same bytes', async () => {
    const folder = mkdtempSync(join(dir, 'atomic-'));
    const model = new Sequential([layers.lstm({ units: 4, inputShape: [null, D] }), layers.dense({ units: 2 })], { seed: 1 });
    const path = join(folder, 'model.onnx');
    await model.exportOnnx(path);
    // Again over the existing file: replaced whole.
    await model.exportOnnx(path);
    expect(readdirSync(folder)).toEqual(['model.onnx']);
    expect(readFileSync(path).equals(model.toOnnx())).toBe(true);
  });

  it('declares opset 17, input "input" and output "output" with dynamic batch and timesteps', () => {
    const model = new Sequential([layers.gru({ units: 4, returnSequences: true, inputShape: [null, D] }), layers.dense({ units: 2 })], { seed: 1 });
    const proto = decodeModel(model.toOnnx({ sequenceLengths: true })) as {
      opset_import: { domain?: string; version: number }[];
      producer_name: string;
      graph: { input: { name: string; type: unknown }[]; output: { name: string; type: unknown }[] };
    };
    expect(proto.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(proto.producer_name).toBe('zerodl');
    const dims = (v: { type: unknown }) => (v.type as { tensor_type: { shape: { dim: Record<string, unknown>[] } } }).tensor_type.shape.dim;
    expect(proto.graph.input.map((v) => v.name)).toEqual(['input', 'sequence_lens']);
    expect(dims(proto.graph.input[0]!)).toEqual([{ dim_param: 'batch' }, { dim_param: 'timesteps' }, { dim_value: D }]);
    expect(dims(proto.graph.input[1]!)).toEqual([{ dim_param: 'batch' }]);
    expect(proto.graph.output.map((v) => v.name)).toEqual(['output']);
    expect(dims(proto.graph.output[0]!)).toEqual([{ dim_param: 'batch' }, { dim_param: 'timesteps' }, { dim_value: 2 }]);
  });
});

describe('ONNX export: errors', () => {
  const dense = () => new Sequential([layers.dense({ units: 2, inputShape: [D] })], { seed: 1 });

  it('refuses a stateful recurrent layer, naming it', () => {
    const model = new Sequential([layers.lstm({ units: 3, stateful: true, inputShape: [T, D] }), layers.dense({ units: 1 })], { seed: 1 });
    const err = thrown(() => model.toOnnx());
    expect(err).toBeInstanceOf(zd.InvalidArgumentError);
    expect(err.message).toMatch(/toOnnx\(\): layer 0 \(lstm_0\): a stateful layer/);
  });

  it('rejects a stateful layer from exportOnnx() too, writing nothing', async () => {
    const model = new Sequential([layers.gru({ units: 3, stateful: true, inputShape: [T, D] })], { seed: 1 });
    const path = join(dir, 'stateful.onnx');
    await expect(model.exportOnnx(path)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/exportOnnx\(\): layer 0 \(gru_0\)/) });
    expect(readdirSync(dir)).not.toContain('stateful.onnx');
  });

  it('refuses a layer kind with no ONNX mapping, and options it does not know', () => {
    const model = dense();
    const description = model.toJSON();
    const unknownKind = Object.assign(Object.create(model) as Model, { toJSON: () => ({ ...description, layers: [{ kind: 'conv3d', name: 'conv3d_0', filters: 2 }] }) });
    const err = thrown(() => model.toOnnx.call(unknownKind));
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toMatch(/layer 0 \(conv3d_0\): a conv3d layer has no ONNX mapping/);
    const newOption = Object.assign(Object.create(model) as Model, { toJSON: () => ({ ...description, layers: [{ ...description.layers[0], kernelRegularizer: 'l2' }] }) });
    expect(thrown(() => model.toOnnx.call(newOption)).message).toMatch(/layer 0 \(dense_0\): option "kernelRegularizer"/);
  });

  it('rejects unknown and ill-typed options', async () => {
    const model = dense();
    const typo = thrown(() => model.toOnnx({ sequenceLength: true } as never));
    expect(typo).toBeInstanceOf(zd.InvalidArgumentError);
    expect(typo.message).toMatch(/unknown option "sequenceLength"; did you mean "sequenceLengths"/);
    expect(thrown(() => model.toOnnx({ sequenceLengths: 'yes' } as never)).message).toMatch(/sequenceLengths to be a boolean/);
    expect(thrown(() => model.toOnnx(null as never)).code).toBe('ERR_INVALID_ARGUMENT');
    await expect(model.exportOnnx(join(dir, 'x.onnx'), { opset: 13 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('rejects sequenceLengths on a model without a recurrent layer', () => {
    expect(thrown(() => dense().toOnnx({ sequenceLengths: true })).message).toMatch(/sequenceLengths needs a recurrent layer/);
  });

  it('rejects a bad path, and reports a failed write as ERR_IO', async () => {
    const model = dense();
    await expect(model.exportOnnx('' as string)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(model.exportOnnx(42 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(model.exportOnnx(join(dir, 'no-such-folder', 'm.onnx'))).rejects.toMatchObject({ code: 'ERR_IO' });
  });
});
