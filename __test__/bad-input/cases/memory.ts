// Memory: shapes too big for the per-buffer limit are ERR_OUT_OF_MEMORY, never an abort or the
// OOM killer (each huge case runs alone), and setMaxTensorBytes() checks its argument.
import type { Case } from '../types.js';

const OVER = /over the limit of .* per buffer/;
const BYTES_40G = /40000000000 bytes/;
const UNADDRESSABLE = /more than this machine can address/;

export const memory: Case[] = [
  // Huge shapes, each in a process of its own.
  { name: 'ones([1e5, 1e5])', isolate: true, code: `zd.ones([1e5, 1e5])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /\[100000, 100000\].*40000000000 bytes/, expected: OVER } },
  { name: 'zeros([2^40, 2^40]): the size overflows 64 bits', isolate: true, code: `zd.zeros([2 ** 40, 2 ** 40])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /\[1099511627776, 1099511627776\]/, expected: UNADDRESSABLE } },
  { name: 'zeros([2^64]): a dimension beyond 64 bits', isolate: true, code: `zd.zeros([2 ** 64])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /18446744073709552000/, expected: UNADDRESSABLE } },
  { name: 'full([1e5, 1e5], 3)', isolate: true, code: `zd.full([1e5, 1e5], 3)`, expect: { code: 'ERR_OUT_OF_MEMORY', came: BYTES_40G, expected: OVER } },
  { name: 'randn([1e5, 1e5])', isolate: true, code: `zd.randn([1e5, 1e5], { seed: 1 })`, expect: { code: 'ERR_OUT_OF_MEMORY', came: BYTES_40G, expected: OVER } },
  { name: 'uniform([1e5, 1e5])', isolate: true, code: `zd.uniform([1e5, 1e5], 0, 1, { seed: 1 })`, expect: { code: 'ERR_OUT_OF_MEMORY', came: BYTES_40G, expected: OVER } },
  { name: 'tensor(): a 2^40 x 2^40 shape for 4 values', isolate: true, code: `zd.tensor(new Float32Array(4), [2 ** 40, 2 ** 40])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /\[1099511627776, 1099511627776\]/, expected: UNADDRESSABLE } },
  { name: 'matmul(): a 1e5 x 1e5 result', isolate: true, code: `zd.matmul(zd.ones([1e5, 1]), zd.ones([1, 1e5]))`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /result of shape \[100000, 100000\].*40000000000 bytes/, expected: OVER } },
  { name: 'matmulAsync(): a 1e5 x 1e5 result', isolate: true, code: `zd.matmulAsync(zd.ones([1e5, 1]), zd.ones([1, 1e5]))`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /result of shape \[100000, 100000\]/, expected: OVER } },
  { name: 'add(): broadcasting to 1e5 x 1e5', isolate: true, code: `zd.add(zd.ones([1e5, 1]), zd.ones([1, 1e5]))`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /result of shape \[100000, 100000\]/, expected: OVER } },
  { name: 'mul(): broadcasting to 1e5 x 1e5', isolate: true, code: `zd.mul(zd.ones([1e5, 1]), zd.ones([1, 1e5]))`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /result of shape \[100000, 100000\]/, expected: OVER } },
  { name: 'dense({ units: 1e5, inputShape: [1e5] }) in a model', isolate: true, code: `new zd.Sequential([zd.layers.dense({ units: 1e5, inputShape: [1e5] })])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /weight \[100000, 100000\].*40000000000 bytes/, expected: OVER } },
  { name: 'dense({ units: 2^53 }) in a model', isolate: true, code: `new zd.Sequential([zd.layers.dense({ units: 2 ** 53, inputShape: [2] })])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /\[9007199254740992, 2\]/, expected: OVER } },
  { name: 'lstm({ units: 1e6 }) in a model', isolate: true, code: `new zd.Sequential([zd.layers.lstm({ units: 1e6, inputShape: [null, 4] })])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /lstm_0's weights.*bytes/, expected: OVER } },
  { name: 'gru({ units: 1e5 }) in a model', isolate: true, code: `new zd.Sequential([zd.layers.gru({ units: 1e5, inputShape: [2, 4] })])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /gru_0's weights.*bytes/, expected: OVER } },
  { name: 'embedding({ inputDim: 1e10 }) in a model', isolate: true, code: `new zd.Sequential([zd.layers.embedding({ inputDim: 1e10, outputDim: 8, inputShape: [3] })])`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /weight \[10000000000, 8\]/, expected: OVER } },
  { name: 'predict(): outputs of 1e5 x 1e5', isolate: true, code: `new zd.Sequential([zd.layers.dense({ units: 1e5, inputShape: [1] })]).predict(zd.ones([1e5, 1]))`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /output for 100000 samples.*40000000000 bytes/, expected: OVER } },
  { name: 'new Perceptron(2^40)', isolate: true, code: `new zd.Perceptron(2 ** 40)`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /a unit of 1099511627776 inputs/, expected: OVER } },

  // Small limits, set and restored inside the case (h.withLimit).
  { name: 'zeros(): over a 1 KiB limit', code: `h.withLimit(1024, () => zd.zeros([1000]))`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /shape \[1000\] needs .*4000 bytes/, expected: /over the limit of .*1024 bytes/ } },
  { name: 'tensor(): over a 16-byte limit', code: `h.withLimit(16, () => zd.tensor([1, 2, 3, 4, 5]))`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /shape \[5\] needs 20 bytes/, expected: /over the limit of 16 bytes/ } },
  { name: 'matmul(): a result over a 1 KiB limit', code: `{ const a = zd.ones([100, 10]); return h.withLimit(1024, () => zd.matmul(a, a, { transposeB: true })); }`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /result of shape \[100, 100\].*40000 bytes/, expected: /over the limit of .*1024 bytes/ } },
  { name: 'predict(): activations over a 1000-byte limit', code: `{ const m = new zd.Sequential([zd.layers.dense({ units: 100, inputShape: [2] })]); const x = zd.ones([10, 2]); return h.withLimit(1000, () => m.predict(x)); }`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /output for 10 samples.*4000 bytes/, expected: /over the limit of 1000 bytes/ } },
  { name: 'fit(): a batch over a 2000-byte limit', code: `{ const m = new zd.Sequential([zd.layers.dense({ units: 100, inputShape: [2] })]); m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }); const x = zd.ones([10, 2]), y = zd.ones([10, 100]); return h.withLimit(2000, () => m.fit(x, y, { verbose: 0 })); }`, expect: { code: 'ERR_OUT_OF_MEMORY', came: /4000 bytes/, expected: /over the limit of .*2000 bytes/ } },

  // setMaxTensorBytes
  { name: 'setMaxTensorBytes(0)', code: `zd.setMaxTensorBytes(0)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 0/, expected: /a positive whole number of bytes, or null for the default/ } },
  { name: 'setMaxTensorBytes(-1)', code: `zd.setMaxTensorBytes(-1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number -1/, expected: /a positive whole number of bytes/ } },
  { name: 'setMaxTensorBytes(1.5)', code: `zd.setMaxTensorBytes(1.5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 1\.5/, expected: /a positive whole number of bytes/ } },
  { name: 'setMaxTensorBytes("1000")', code: `zd.setMaxTensorBytes('1000')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "1000"/, expected: /a positive whole number of bytes/ } },
  { name: 'setMaxTensorBytes() with no argument', code: `zd.setMaxTensorBytes()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /or null for the default/ } },
  { name: 'setMaxTensorBytes(NaN)', code: `zd.setMaxTensorBytes(NaN)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /NaN/, expected: /a positive whole number of bytes/ } },
  { name: 'setMaxTensorBytes(Infinity)', code: `zd.setMaxTensorBytes(Infinity)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /Infinity/, expected: /a positive whole number of bytes/ } },
];
