// Convolutional layers (issue 19): options of every conv-family factory (sizes, padding, groups,
// data formats), geometry that cannot work (checked when the model is built, naming the shapes),
// and inputs of the wrong rank, channel count or layout at predict and fit.
import type { Case } from '../types.js';

const BAD = 'ERR_INVALID_ARGUMENT';
const SIZE = /expected an integer >= 1 or \[height, width\] of them/;
/** A model built from one layer on samples of `shape` (the build is what must throw). */
const on = (layer: string, shape: string) => `new zd.Sequential([zd.layers.${layer.replace(/\s*\}\)$/, `${layer.endsWith('{})') ? '' : ','} inputShape: ${shape} })`)}])`;
/** A conv2d 3 -> 2 channels, 3x3, on [3, 8, 8] samples. */
const CONV = `new zd.Sequential([zd.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [3, 8, 8] })], { seed: 1 })`;

export const conv: Case[] = [
  // conv2d options
  { name: 'conv2d(): no options', code: `zd.layers.conv2d()`, expect: { code: BAD, came: /got undefined/, expected: /expects an options object/ } },
  { name: 'conv2d(): filters missing', code: `zd.layers.conv2d({ kernelSize: 3 })`, expect: { code: BAD, came: /is required/, expected: /"filters"/ } },
  { name: 'conv2d(): kernelSize missing', code: `zd.layers.conv2d({ filters: 2 })`, expect: { code: BAD, came: /is required/, expected: /"kernelSize"/ } },
  { name: 'conv2d(): filters 0', code: `zd.layers.conv2d({ filters: 0, kernelSize: 3 })`, expect: { code: BAD, came: /got 0/, expected: /filters must be an integer >= 1/ } },
  { name: 'conv2d(): kernelSize 0', code: `zd.layers.conv2d({ filters: 2, kernelSize: 0 })`, expect: { code: BAD, came: /got 0/, expected: SIZE } },
  { name: 'conv2d(): kernelSize of one axis', code: `zd.layers.conv2d({ filters: 2, kernelSize: [3] })`, expect: { code: BAD, came: /an array of length 1/, expected: SIZE } },
  { name: 'conv2d(): strides 0', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, strides: 0 })`, expect: { code: BAD, came: /got 0/, expected: SIZE } },
  { name: 'conv2d(): negative strides', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, strides: [-1, 1] })`, expect: { code: BAD, came: /got an array/, expected: SIZE } },
  { name: 'conv2d(): fractional strides', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, strides: 1.5 })`, expect: { code: BAD, came: /got 1\.5/, expected: SIZE } },
  { name: 'conv2d(): dilation 0', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, dilation: 0 })`, expect: { code: BAD, came: /got 0/, expected: SIZE } },
  { name: 'conv2d(): unknown padding', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' })`, expect: { code: BAD, came: /"full"/, expected: /"valid", "same"/ } },
  { name: 'conv2d(): negative padding', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, padding: -1 })`, expect: { code: BAD, came: /got -1/, expected: /an integer >= 0/ } },
  { name: 'conv2d(): groups 0', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, groups: 0 })`, expect: { code: BAD, came: /got 0/, expected: /groups must be an integer >= 1/ } },
  { name: 'conv2d(): groups that do not divide the filters', code: `zd.layers.conv2d({ filters: 3, kernelSize: 3, groups: 2 })`, expect: { code: BAD, came: /groups \(2\).*filters \(3\)/, expected: /must divide/ } },
  { name: 'conv2d(): softmax activation', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'softmax' })`, expect: { code: BAD, came: /"softmax"/, expected: /a convolution takes "linear", "relu"/ } },
  { name: 'conv2d(): unknown dataFormat', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'NHWC' })`, expect: { code: BAD, came: /"NHWC"/, expected: /"channelsFirst", "channelsLast"/ } },
  { name: 'conv2d(): misspelt option', code: `zd.layers.conv2d({ filters: 2, kernel_size: 3 })`, expect: { code: BAD, came: /"kernel_size"/, expected: /did you mean "kernelSize"/ } },
  { name: 'conv2d(): an option of another kind', code: `zd.layers.conv2d({ filters: 2, kernelSize: 3, units: 4 })`, expect: { code: BAD, came: /"units"/, expected: /options: / } },
  // conv1d options
  { name: 'conv1d(): kernelSize as a pair', code: `zd.layers.conv1d({ filters: 2, kernelSize: [3, 3] })`, expect: { code: BAD, came: /an array/, expected: /integer/ } },
  { name: 'conv1d(): kernelSize 0', code: `zd.layers.conv1d({ filters: 2, kernelSize: 0 })`, expect: { code: BAD, came: /got 0/, expected: /kernelSize must be an integer >= 1/ } },
  { name: 'conv1d(): strides 0', code: `zd.layers.conv1d({ filters: 2, kernelSize: 3, strides: 0 })`, expect: { code: BAD, came: /got 0/, expected: /strides must be an integer >= 1/ } },
  // pools, reshape, batch norm options
  { name: 'maxPool2d(): poolSize 0', code: `zd.layers.maxPool2d({ poolSize: 0 })`, expect: { code: BAD, came: /got 0/, expected: SIZE } },
  { name: 'maxPool2d(): padding more than half the pool', code: `zd.layers.maxPool2d({ poolSize: 2, padding: 2 })`, expect: { code: BAD, came: /padding 2 for a pool height of 2/, expected: /at most half the pool size/ } },
  { name: 'avgPool2d(): misspelt option', code: `zd.layers.avgPool2d({ poolsize: 2 })`, expect: { code: BAD, came: /"poolsize"/, expected: /did you mean "poolSize"/ } },
  { name: 'reshape(): targetShape missing', code: `zd.layers.reshape({})`, expect: { code: BAD, came: /is required/, expected: /"targetShape"/ } },
  { name: 'reshape(): targetShape a string', code: `zd.layers.reshape({ targetShape: '1,28,28' })`, expect: { code: BAD, came: /the string "1,28,28"/, expected: /an array/ } },
  { name: 'reshape(): two inferred sizes', code: `zd.layers.reshape({ targetShape: [-1, -1] })`, expect: { code: BAD, came: /\[-1, -1\]/, expected: /may have one -1/ } },
  { name: 'reshape(): a zero size', code: `zd.layers.reshape({ targetShape: [0, 4] })`, expect: { code: BAD, came: /got 0/, expected: /integers >= 1 or one -1/ } },
  { name: 'batchNormalization(): momentum above 1', code: `zd.layers.batchNormalization({ momentum: 1.5 })`, expect: { code: BAD, came: /got 1\.5/, expected: /momentum must be a number in \[0, 1\]/ } },
  { name: 'batchNormalization(): epsilon 0', code: `zd.layers.batchNormalization({ epsilon: 0 })`, expect: { code: BAD, came: /got 0/, expected: /epsilon must be a finite number > 0/ } },
  { name: 'batchNormalization(): NaN momentum', code: `zd.layers.batchNormalization({ momentum: NaN })`, expect: { code: BAD, came: /NaN/, expected: /momentum/ } },
  // geometry refused at build
  { name: 'conv2d build: kernel larger than the padded input', code: on(`conv2d({ filters: 2, kernelSize: 7 })`, '[1, 5, 5]'), expect: { code: BAD, came: /kernel of 7 .*padded input's height \(5 \+ padding 0 \+ 0 = 5\)/, expected: /larger than/ } },
  { name: 'conv2d build: dilated kernel larger than the input', code: on(`conv2d({ filters: 2, kernelSize: 3, dilation: 3 })`, '[1, 6, 6]'), expect: { code: BAD, came: /spanning 7/, expected: /larger than the padded input/ } },
  { name: 'conv2d build: strides that do not tile the input', code: on(`conv2d({ filters: 2, kernelSize: 3, strides: 2 })`, '[1, 6, 6]'), expect: { code: BAD, came: /\(6 \+ padding 0 \+ 0 - 3\) \/ stride 2/, expected: /not a whole number/ } },
  { name: 'conv2d build: groups that do not divide the channels', code: on(`conv2d({ filters: 4, kernelSize: 3, groups: 2 })`, '[3, 8, 8]'), expect: { code: BAD, came: /input channels \(3, from input shape \[3, 8, 8\]\)/, expected: /groups \(2\) must divide/ } },
  { name: 'conv2d build: samples of rank 2', code: on(`conv2d({ filters: 2, kernelSize: 3 })`, '[28, 28]'), expect: { code: BAD, came: /input shape \[28, 28\]/, expected: /\[channels, height, width\]/ } },
  { name: 'conv2d build: a free size', code: on(`conv2d({ filters: 2, kernelSize: 3 })`, '[1, null, 8]'), expect: { code: BAD, came: /\[1, null, 8\]/, expected: /fixed input sizes/ } },
  { name: 'conv1d build: samples of rank 3', code: on(`conv1d({ filters: 2, kernelSize: 3 })`, '[1, 8, 8]'), expect: { code: BAD, came: /\[1, 8, 8\]/, expected: /\[channels, length\]/ } },
  { name: 'conv1d build: kernel longer than the sequence', code: on(`conv1d({ filters: 2, kernelSize: 9 })`, '[2, 8]'), expect: { code: BAD, came: /kernel of 9/, expected: /larger than the padded input's length/ } },
  { name: 'maxPool2d build: a window that does not tile', code: on(`maxPool2d({ poolSize: 2 })`, '[1, 5, 5]'), expect: { code: BAD, came: /\(5 \+ padding 0 \+ 0 - 2\) \/ stride 2/, expected: /not a whole number/ } },
  { name: 'maxPool2d build: samples of rank 1', code: on(`maxPool2d({})`, '[16]'), expect: { code: BAD, came: /input shape \[16\]/, expected: /\[channels, height, width\]/ } },
  { name: 'globalAveragePool2d build: samples of rank 2', code: on(`globalAveragePool2d({})`, '[4, 4]'), expect: { code: BAD, came: /\[4, 4\]/, expected: /\[channels, height, width\]/ } },
  { name: 'reshape build: sizes that do not match', code: on(`reshape({ targetShape: [3, 5] })`, '[16]'), expect: { code: BAD, came: /\[16\] \(16 values\) to targetShape \[3, 5\] \(15 values\)/, expected: /cannot reshape/ } },
  { name: 'reshape build: an inferred size that does not divide', code: on(`reshape({ targetShape: [3, -1] })`, '[16]'), expect: { code: BAD, came: /16 is not a multiple of 3/, expected: /cannot reshape/ } },
  { name: 'flatten build: a free size', code: on(`flatten({})`, '[null, 3]'), expect: { code: BAD, came: /\[null, 3\]/, expected: /fixed input sizes/ } },
  { name: 'batchNormalization build: a free size', code: on(`batchNormalization({})`, '[null]'), expect: { code: BAD, came: /\[null\]/, expected: /fixed shape with a channel axis/ } },
  { name: 'conv2d after a conv: kernel larger than its input', code: `new zd.Sequential([zd.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [1, 8, 8] }), zd.layers.conv2d({ filters: 2, kernelSize: 5 })])`, expect: { code: BAD, came: /padded input's height \(4 \+ padding 0 \+ 0 = 4\)/, expected: /larger than/ } },
  // wrong inputs at predict and fit
  { name: 'conv predict: wrong channel count', code: `${CONV}.predict(zd.zeros([2, 1, 8, 8]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got \[2, 1, 8, 8\]/, expected: /\[batch, 3, 8, 8\]/ } },
  { name: 'conv predict: channels-last images', code: `${CONV}.predict(zd.zeros([2, 8, 8, 3]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got \[2, 8, 8, 3\] \(channels last\?/, expected: /\[batch, 3, 8, 8\].*dataFormat: 'channelsLast'/ } },
  { name: 'conv predict: no batch axis', code: `${CONV}.predict(zd.zeros([3, 8, 8]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got \[3, 8, 8\]/, expected: /\[batch, 3, 8, 8\]/ } },
  { name: 'conv predict: a NaN pixel', code: `${CONV}.predict(zd.tensor(new Float32Array(192).fill(NaN), [1, 3, 8, 8]))`, expect: { code: 'ERR_NON_FINITE', came: /NaN at flat index 0/, expected: /input contains/ } },
  { name: 'conv fit: images of another size', code: `{ const m = ${CONV}; m.compile({ loss: 'meanSquaredError', optimizer: 'sgd' }); return m.fit(zd.zeros([4, 3, 9, 9]), zd.zeros([4, 2, 6, 6]), { verbose: 0 }); }`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got \[4, 3, 9, 9\]/, expected: /\[batch, 3, 8, 8\]/ } },
  { name: 'conv fit: targets of another shape', code: `{ const m = ${CONV}; m.compile({ loss: 'meanSquaredError', optimizer: 'sgd' }); return m.fit(zd.zeros([4, 3, 8, 8]), zd.zeros([4, 2]), { verbose: 0 }); }`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[4, 2\]/, expected: /\[4, 2, 6, 6\]/ } },
  { name: 'batch norm fit: one value per channel', code: `{ const m = new zd.Sequential([zd.layers.batchNormalization({ inputShape: [3] }), zd.layers.dense({ units: 1 })]); m.compile({ loss: 'meanSquaredError', optimizer: 'sgd' }); return m.fit(zd.ones([1, 3]), zd.ones([1, 1]), { verbose: 0 }); }`, expect: { code: BAD, came: /a batch of 1 samples of shape \[3\]/, expected: /more than one value per channel/ } },
];
