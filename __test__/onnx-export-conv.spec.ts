// ONNX export of the convolutional layers (issue 19): conv2d, conv1d, maxPool2d, avgPool2d,
// globalAveragePool2d, flatten, reshape and batchNormalization, channelsFirst and channelsLast.
// Every model is exported, run in onnxruntime and compared with zerodl's own predict() on random
// inputs, through one exported file for batch 1 and batch 5 (the batch dim is dynamic); the
// graph's Conv/pool attributes (explicit pads, the 'same' split) are checked on the decoded file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeness } from './closeness.js';
import { zd } from './helpers.js';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
const { decodeModel } = require('../dist/interchange/onnx/schema.js') as typeof import('../dist/interchange/onnx/schema.js');

const { layers, Sequential } = zd;
type Model = InstanceType<typeof Sequential>;
type Layer = ConstructorParameters<typeof Sequential>[0][number];

const dir = mkdtempSync(join(tmpdir(), 'zerodl-onnx-conv-'));
afterAll(() => {
  console.log(`onnx-export-conv: ${summary()}`);
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
const { expectClose, summary } = closeness(['onnxruntime', 'zerodl']);

interface Node {
  op_type: string;
  input: string[];
  attribute?: { name: string; i?: number; f?: number; ints?: number[] }[];
}

/** The decoded graph's nodes. */
function nodesOf(path: string): Node[] {
  return (decodeModel(readFileSync(path)).graph as { node: Node[] }).node;
}

/** A node's attributes as plain values. */
function attrs(node: Node): Record<string, number | number[]> {
  return Object.fromEntries((node.attribute ?? []).map((a) => [a.name, a.ints ?? a.i ?? a.f ?? 0]));
}

/**
 * Exports `model`, runs it in onnxruntime for each batch size on random inputs of `sample`
 * (one sample's shape) and compares with `model.predict`; returns the file's path.
 */
async function check(model: Model, sample: number[], what: string, batches: number[] = [1, 5]): Promise<string> {
  const path = join(dir, `model-${fileCount++}.onnx`);
  await model.exportOnnx(path);
  const session = await ort.InferenceSession.create(path);
  for (const [i, batch] of batches.entries()) {
    const dims = [batch, ...sample];
    const data = zd.randn([dims.reduce((a, b) => a * b, 1)], { seed: 100 + i }).toFloat32Array();
    const { output } = await session.run({ input: new ort.Tensor('float32', data, dims) });
    const expected = model.predict(zd.tensor(data, dims));
    const run = `${what} (batch ${batch})`;
    expect(output?.dims, `${run}: output shape`).toEqual(expected.shape);
    expectClose(output?.data as Float32Array, expected.toFloat32Array(), run);
  }
  return path;
}

/** Gives every bias of the model random values (they start at zero, hiding a misplaced bias). */
function randomizeBiases(model: Model, seed = 9): Model {
  model.layers.forEach((layer, i) => {
    const bias = layer.getWeights().bias;
    if (bias) layer.setWeights({ bias: zd.uniform([...bias.shape], -0.5, 0.5, { seed: seed + i }) });
  });
  return model;
}

const build = (list: Layer[], seed = 1): Model => randomizeBiases(new Sequential(list, { seed }));

describe('ONNX export: conv2d and pools', () => {
  it('LeNet-5 (conv 6@5x5 pad 2 relu, maxPool 2, conv 16@5x5 relu, maxPool 2, flatten, dense 10)', async () => {
    const model = build([
      layers.conv2d({ filters: 6, kernelSize: 5, padding: 2, activation: 'relu', inputShape: [1, 28, 28] }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.flatten({}),
      layers.dense({ units: 10 }),
    ]);
    const path = await check(model, [1, 28, 28], 'lenet');
    const nodes = nodesOf(path);
    expect(nodes.map((n) => n.op_type)).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm']);
    const conv = nodes.filter((n) => n.op_type === 'Conv').map(attrs);
    expect(conv[0]).toMatchObject({ kernel_shape: [5, 5], strides: [1, 1], dilations: [1, 1], group: 1, pads: [2, 2, 2, 2] });
    expect(conv[1]).toMatchObject({ pads: [0, 0, 0, 0] });
    expect(attrs(nodes[2]!)).toMatchObject({ kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
  });

  // Input [4, 9, 8]: every conv2d option, one model each (and all of them stacked).
  const C = 4;
  const sample = [C, 9, 8];
  const variants: [string, Record<string, unknown>][] = [
    ['strides [3, 2], padding [0, 1]', { filters: 5, kernelSize: [3, 2], strides: [3, 2], padding: [0, 1], activation: 'tanh' }],
    ["'same' with an even kernel (4x2)", { filters: 3, kernelSize: [4, 2], padding: 'same', activation: 'sigmoid' }],
    ["'same' with strides 2 and an odd input", { filters: 3, kernelSize: 3, strides: 2, padding: 'same' }],
    ['dilation [2, 3]', { filters: 6, kernelSize: 3, dilation: [2, 3], activation: 'relu' }],
    ["dilation 2 with 'same'", { filters: 2, kernelSize: 2, dilation: 2, padding: 'same' }],
    ['groups 2', { filters: 6, kernelSize: 3, groups: 2, padding: 1, activation: 'relu' }],
    ['depthwise (groups = channels, 2 filters each)', { filters: 2 * C, kernelSize: 3, groups: C, padding: 'same' }],
    ['no bias', { filters: 3, kernelSize: [1, 3], useBias: false }],
  ];
  for (const [what, options] of variants) {
    it(`conv2d: ${what}`, async () => {
      const model = build([layers.conv2d({ ...options, inputShape: sample } as never)]);
      const path = await check(model, sample, what);
      const conv = nodesOf(path).find((n) => n.op_type === 'Conv')!;
      expect(conv.input).toHaveLength(options.useBias === false ? 2 : 3);
    });
  }

  it("conv2d 'same' pads are SAME_UPPER (the odd one after)", async () => {
    const model = build([layers.conv2d({ filters: 2, kernelSize: [4, 2], strides: [1, 2], padding: 'same', inputShape: [1, 6, 7] })]);
    const path = await check(model, [1, 6, 7], 'same split');
    // H: total 3 -> 1 before, 2 after; W: out 4, total (4-1)*2+2-7 = 1 -> 0 before, 1 after.
    expect(attrs(nodesOf(path).find((n) => n.op_type === 'Conv')!).pads).toEqual([1, 0, 2, 1]);
  });

  it('conv2d: every option in one stack', async () => {
    const model = build([
      layers.conv2d({ filters: 8, kernelSize: [3, 2], strides: [1, 2], padding: 'same', activation: 'relu', inputShape: [C, 11, 10] }),
      layers.conv2d({ filters: 8, kernelSize: 3, groups: 8, dilation: 2, padding: 2, activation: 'tanh' }),
      layers.conv2d({ filters: 6, kernelSize: 3, groups: 2, strides: 2, useBias: false }),
      layers.flatten({}),
      layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    await check(model, [C, 11, 10], 'stack');
  });

  it('maxPool2d with padding, strides and same', async () => {
    for (const [what, options] of [
      ['3x3 stride 2 pad 1', { poolSize: 3, strides: 2, padding: 1 }],
      ['[2, 3] strides [1, 2] pad [1, 0]', { poolSize: [2, 3], strides: [1, 2], padding: [1, 0] }],
      ["2x2 'same' (odd input)", { poolSize: 2, padding: 'same' }],
      ["3x3 stride 1 'same'", { poolSize: 3, strides: 1, padding: 'same' }],
    ] as const) {
      // A conv first, so the pool sees negative values as well (padding must never win).
      const model = build([layers.conv2d({ filters: 3, kernelSize: 1, inputShape: [2, 7, 9] }), layers.maxPool2d(options as never)]);
      await check(model, [2, 7, 9], `maxPool2d ${what}`);
    }
  });

  it('avgPool2d with padding counts the padded zeros (count_include_pad=1)', async () => {
    for (const [what, options, sample] of [
      ['2x2', { poolSize: 2 }, [3, 8, 6]],
      ['3x3 stride 2 pad 1', { poolSize: 3, strides: 2, padding: 1 }, [3, 7, 9]],
      ['[3, 3] stride [1, 2] pad [1, 1]', { poolSize: [3, 3], strides: [1, 2], padding: [1, 1] }, [3, 7, 9]],
      ["3x2 stride 2 'same'", { poolSize: [3, 2], strides: 2, padding: 'same' }, [3, 7, 9]],
    ] as const) {
      const model = build([layers.avgPool2d({ ...options, inputShape: [...sample] } as never)]);
      const path = await check(model, [...sample], `avgPool2d ${what}`);
      expect(attrs(nodesOf(path).find((n) => n.op_type === 'AveragePool')!).count_include_pad).toBe(1);
    }
  });

  it('globalAveragePool2d (GlobalAveragePool, then Flatten) into a dense layer', async () => {
    const model = build([
      layers.conv2d({ filters: 5, kernelSize: 3, activation: 'relu', inputShape: [2, 8, 6] }),
      layers.globalAveragePool2d({}),
      layers.dense({ units: 4, activation: 'tanh' }),
    ]);
    const path = await check(model, [2, 8, 6], 'gap');
    expect(nodesOf(path).map((n) => n.op_type)).toEqual(['Conv', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Tanh']);
  });
});

describe('ONNX export: conv1d', () => {
  for (const [what, options] of [
    ['valid relu', { filters: 4, kernelSize: 3, activation: 'relu' }],
    ["'same' even kernel sigmoid", { filters: 3, kernelSize: 4, padding: 'same', activation: 'sigmoid' }],
    ['strides 2 padding 2 dilation 2', { filters: 5, kernelSize: 3, strides: 2, padding: 2, dilation: 2, activation: 'tanh' }],
    ['groups 2, no bias', { filters: 6, kernelSize: 2, groups: 2, useBias: false }],
    ['depthwise', { filters: 4, kernelSize: 3, groups: 4, padding: 'same' }],
  ] as const) {
    it(`conv1d: ${what}`, async () => {
      const model = build([layers.conv1d({ ...options, inputShape: [4, 13] } as never)]);
      const path = await check(model, [4, 13], what);
      const conv = attrs(nodesOf(path).find((n) => n.op_type === 'Conv')!);
      expect((conv.kernel_shape as number[]).length).toBe(1);
      expect((conv.pads as number[]).length).toBe(2);
    });
  }

  it('conv1d stack into flatten and dense', async () => {
    const model = build([
      layers.conv1d({ filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [3, 20] }),
      layers.conv1d({ filters: 4, kernelSize: 4, strides: 2, activation: 'relu' }),
      layers.flatten({}),
      layers.dense({ units: 2 }),
    ]);
    await check(model, [3, 20], 'conv1d stack');
  });
});

describe('ONNX export: reshape, flatten and batchNormalization', () => {
  it('reshape [784] -> [1, 28, 28], then conv', async () => {
    const model = build([
      layers.reshape({ targetShape: [1, 28, 28], inputShape: [784] }),
      layers.conv2d({ filters: 4, kernelSize: 4, strides: 2, activation: 'relu' }),
      layers.maxPool2d({ poolSize: 2, padding: 'same' }),
      layers.flatten({}),
      layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    const path = await check(model, [784], 'reshape lenet');
    const reshape = nodesOf(path).find((n) => n.op_type === 'Reshape')!;
    const init = (decodeModel(readFileSync(path)).graph as { initializer: { name: string; dims: number[] }[] }).initializer.find((t) => t.name === reshape.input[1]);
    expect(init?.dims).toEqual([4]);
  });

  it('reshape with an inferred -1, and back to rows', async () => {
    const model = build([layers.reshape({ targetShape: [2, -1, 4], inputShape: [3, 16] }), layers.conv2d({ filters: 2, kernelSize: 2 }), layers.reshape({ targetShape: [-1] })]);
    await check(model, [3, 16], 'reshape -1');
  });

  it('batchNormalization after a few training steps (running statistics non-trivial)', async () => {
    const model = build([
      layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [2, 6, 6] }),
      layers.batchNormalization({ momentum: 0.3, epsilon: 1e-3 }),
      layers.maxPool2d({ poolSize: 2 }),
      layers.flatten({}),
      layers.dense({ units: 8, activation: 'relu' }),
      layers.batchNormalization({}),
      layers.dense({ units: 1 }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    // Inputs away from zero mean and unit variance, so the statistics move off their start.
    const x = zd.uniform([32, 2, 6, 6], 0, 3, { seed: 4 });
    const y = zd.uniform([32, 1], -1, 1, { seed: 5 });
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    for (const index of [1, 5]) {
      const w = model.layers[index]!.getWeights();
      expect(Object.keys(w)).toEqual(expect.arrayContaining(['weight', 'bias', 'running_mean', 'running_var']));
      expect(w.running_mean!.toFloat32Array().some((v) => Math.abs(v) > 1e-3), `layer ${index} running_mean moved`).toBe(true);
      expect(w.running_var!.toFloat32Array().some((v) => Math.abs(v - 1) > 1e-3), `layer ${index} running_var moved`).toBe(true);
    }
    const path = await check(model, [2, 6, 6], 'batchnorm trained');
    const bn = nodesOf(path).filter((n) => n.op_type === 'BatchNormalization');
    expect(bn).toHaveLength(2);
    expect(attrs(bn[0]!).epsilon).toBeCloseTo(1e-3, 8);
    expect(attrs(bn[1]!).epsilon).toBeCloseTo(1e-5, 10);
    // The model saved and loaded back (buffers included) exports the same graph, byte for byte.
    const loaded = await zd.loadModel(model.toBuffer());
    expect(loaded).toBeInstanceOf(Sequential);
    expect(Buffer.from((loaded as Model).toOnnx()).equals(Buffer.from(model.toOnnx()))).toBe(true);
  });

  it('batchNormalization without affine parameters, with set statistics', async () => {
    for (const sample of [[5], [3, 4, 4]]) {
      const model = build([layers.batchNormalization({ affine: false, epsilon: 0.01, inputShape: sample })]);
      const c = sample[0]!;
      model.layers[0]!.setWeights({ running_mean: zd.uniform([c], -1, 1, { seed: 6 }), running_var: zd.uniform([c], 0.2, 2, { seed: 7 }) });
      expect(Object.keys(model.layers[0]!.getWeights())).not.toContain('weight');
      await check(model, sample, `batchnorm affine=false [${sample.join(', ')}]`);
    }
  });
});

describe("ONNX export: dataFormat 'channelsLast' (Transpose in and out)", () => {
  it('conv2d + maxPool2d channelsLast, flattened in HWC order', async () => {
    const model = build([
      layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', dataFormat: 'channelsLast', inputShape: [10, 9, 3] }),
      layers.maxPool2d({ poolSize: 2, padding: 'same', dataFormat: 'channelsLast' }),
      layers.conv2d({ filters: 4, kernelSize: [2, 3], strides: [1, 2], groups: 1, dataFormat: 'channelsLast' }),
      layers.flatten({}),
      layers.dense({ units: 3 }),
    ]);
    const path = await check(model, [10, 9, 3], 'channelsLast conv+pool');
    const transposes = nodesOf(path).filter((n) => n.op_type === 'Transpose').map((n) => attrs(n).perm);
    expect(transposes).toEqual([
      [0, 3, 1, 2],
      [0, 2, 3, 1],
      [0, 3, 1, 2],
      [0, 2, 3, 1],
      [0, 3, 1, 2],
      [0, 2, 3, 1],
    ]);
  });

  it('avgPool2d, batchNormalization and globalAveragePool2d channelsLast', async () => {
    const model = build([
      layers.conv2d({ filters: 4, kernelSize: 3, groups: 2, dataFormat: 'channelsLast', inputShape: [9, 7, 2] }),
      layers.batchNormalization({ dataFormat: 'channelsLast' }),
      layers.avgPool2d({ poolSize: 3, strides: 2, padding: 1, dataFormat: 'channelsLast' }),
      layers.globalAveragePool2d({ dataFormat: 'channelsLast' }),
    ]);
    model.layers[1]!.setWeights({
      weight: zd.uniform([4], 0.5, 1.5, { seed: 1 }),
      bias: zd.uniform([4], -1, 1, { seed: 2 }),
      running_mean: zd.uniform([4], -1, 1, { seed: 3 }),
      running_var: zd.uniform([4], 0.2, 2, { seed: 4 }),
    });
    await check(model, [9, 7, 2], 'channelsLast pools+bn');
  });

  it('conv1d channelsLast ([L, C] samples)', async () => {
    const model = build([layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', dilation: 1, activation: 'tanh', dataFormat: 'channelsLast', inputShape: [11, 3] }), layers.dense({ units: 2 })]);
    const path = await check(model, [11, 3], 'conv1d channelsLast');
    expect(nodesOf(path).filter((n) => n.op_type === 'Transpose').map((n) => attrs(n).perm)).toEqual([
      [0, 2, 1],
      [0, 2, 1],
    ]);
  });
});
