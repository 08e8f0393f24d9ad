// The seed's one-neuron models: Perceptron and LinearUnit (constructor, train and its options,
// inputs with holes, labels, predict, setWeights, fromConfig).
import type { Case } from '../types.js';

const INPUT_SIZE = /expects inputSize as an integer >= 1/;
const UNIT = `{ format: 'zerodl.unit', version: 1, kind: 'perceptron', inputSize: 2 }`;

export const units: Case[] = [
  // constructors
  { name: 'Perceptron: no inputSize', code: `new zd.Perceptron()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: INPUT_SIZE } },
  { name: 'Perceptron: inputSize 0', code: `new zd.Perceptron(0)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 0/, expected: INPUT_SIZE } },
  { name: 'Perceptron: fractional inputSize', code: `new zd.Perceptron(1.5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 1\.5/, expected: INPUT_SIZE } },
  { name: 'Perceptron: inputSize is a string', code: `new zd.Perceptron('2')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "2"/, expected: INPUT_SIZE } },
  { name: 'Perceptron: an options object', code: `new zd.Perceptron({ inputSize: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an object \(Object\)/, expected: INPUT_SIZE } },
  { name: 'LinearUnit: negative inputSize', code: `new zd.LinearUnit(-1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number -1/, expected: INPUT_SIZE } },
  { name: 'LinearUnit: NaN inputSize', code: `new zd.LinearUnit(NaN)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /NaN/, expected: INPUT_SIZE } },

  // train: inputs
  { name: 'Perceptron.train(): inputs is a string', code: `new zd.Perceptron(2).train('x', [1])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "x"/, expected: /an array of samples/ } },
  { name: 'Perceptron.train(): a hole among the samples', code: `new zd.Perceptron(2).train([[1, 1], , [0, 0]], [1, 0, 0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /a hole \(a sparse array\) at inputs\[1\]/, expected: /an array of samples/ } },
  { name: 'Perceptron.train(): a hole in a sample', code: `new zd.Perceptron(2).train([[1, , ]], [1])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /inputs\[0\]\[1\].*a hole/, expected: /must be a number/ } },
  { name: 'Perceptron.train(): flat numbers instead of rows', code: `new zd.Perceptron(2).train([1, 1, 0, 0], [1, 0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 1 at inputs\[0\]/, expected: /each an array of 2 numbers/ } },
  { name: 'Perceptron.train(): a short sample', code: `new zd.Perceptron(2).train([[1, 1], [0]], [1, 0])`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got 1 at inputs\[1\]/, expected: /every sample to have 2 values/ } },
  { name: 'Perceptron.train(): a string in a sample', code: `new zd.Perceptron(2).train([[1, '1'], [0, 0]], [1, 0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "1"/, expected: /inputs\[0\]\[1\] must be a number/ } },
  { name: 'Perceptron.train(): NaN in a sample', code: `new zd.Perceptron(2).train([[1, NaN], [0, 0]], [1, 0])`, expect: { code: 'ERR_NON_FINITE', came: /inputs\[0\]\[1\] is NaN/, expected: /must be finite/ } },
  { name: 'Perceptron.train(): flat Float64Array not a multiple of inputSize', code: `new zd.Perceptron(2).train(new Float64Array(3), [1])`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got 3 values/, expected: /n x 2 values/ } },
  { name: 'Perceptron.train(): zero samples', code: `new zd.Perceptron(2).train([], [])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0/, expected: /at least 1 sample/ } },
  { name: 'LinearUnit.train(): zero samples (flat)', code: `new zd.LinearUnit(1).train(new Float64Array(0), [])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0/, expected: /at least 1 sample/ } },

  // train: labels
  { name: 'Perceptron.train(): fewer labels than samples', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0])`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got 3/, expected: /expected 4 labels/ } },
  { name: 'Perceptron.train(): labels is a string', code: `new zd.Perceptron(2).train(h.GATES, 'abcd')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "abcd"/, expected: /labels must be an array of numbers/ } },
  { name: 'Perceptron.train(): a hole in the labels', code: `new zd.Perceptron(2).train(h.GATES, [1, , 0, 0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /labels\[1\].*a hole/, expected: /must be a number/ } },
  { name: 'Perceptron.train(): a string label', code: `new zd.Perceptron(2).train(h.GATES, [1, '0', 0, 0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0"/, expected: /labels\[1\] must be a number/ } },
  { name: 'Perceptron.train(): a NaN label', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, NaN, 0])`, expect: { code: 'ERR_NON_FINITE', came: /labels\[2\] is NaN/, expected: /must be finite/ } },
  // The perceptron's targets are 0 or 1; 2 and -1 train silently.
  { name: 'Perceptron.train(): label 2', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 2, 0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /2.*labels\[2\]|labels\[2\].*2/, expected: /0 or 1/ } },
  { name: 'Perceptron.train(): label -1', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, -1, 0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /-1/, expected: /0 or 1/ } },
  { name: 'LinearUnit.train(): an infinite label', code: `new zd.LinearUnit(1).train([[1]], [Infinity])`, expect: { code: 'ERR_NON_FINITE', came: /labels\[0\] is inf/i, expected: /must be finite/ } },
  { name: 'LinearUnit.train(): NaN in Float32Array labels', code: `new zd.LinearUnit(1).train([[1]], new Float32Array([NaN]))`, expect: { code: 'ERR_NON_FINITE', came: /labels\[0\] is NaN/, expected: /must be finite/ } },
  // A plain TypeError ("Cannot convert a BigInt value to a number").
  { name: 'LinearUnit.train(): BigInt64Array labels', code: `new zd.LinearUnit(1).train([[1]], new BigInt64Array(1))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /BigInt64Array|BigInt/, expected: /labels must be an array of numbers|numbers/ } },

  // train: options
  { name: 'Perceptron.train(): epochs 0', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0, 0], { epochs: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 0/, expected: /epochs must be an integer >= 1/ } },
  { name: 'Perceptron.train(): epochs is a string', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0, 0], { epochs: '3' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "3"/, expected: /epochs must be an integer >= 1/ } },
  { name: 'Perceptron.train(): learningRate 0', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0, 0], { learningRate: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 0/, expected: /learningRate must be a finite number > 0/ } },
  { name: 'Perceptron.train(): NaN learningRate', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0, 0], { learningRate: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /NaN/, expected: /learningRate must be a finite number > 0/ } },
  { name: 'Perceptron.train(): batchSize (a LinearUnit option)', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0, 0], { batchSize: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "batchSize"/, expected: /options: epochs, learningRate/ } },
  { name: 'Perceptron.train(): epoch (misspelt)', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0, 0], { epoch: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "epoch"/, expected: /did you mean "epochs"/ } },
  { name: 'Perceptron.train(): options is null', code: `new zd.Perceptron(2).train(h.GATES, [1, 0, 0, 0], null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /an options object/ } },
  { name: 'LinearUnit.train(): shuffle is a string', code: `new zd.LinearUnit(1).train([[1]], [1], { shuffle: 'yes' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "yes"/, expected: /shuffle must be true or false/ } },
  { name: 'LinearUnit.train(): seed is a string', code: `new zd.LinearUnit(1).train([[1]], [1], { shuffle: true, seed: '1' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "1"/, expected: /seed must be a finite number/ } },
  { name: 'LinearUnit.train(): batchSize 0', code: `new zd.LinearUnit(1).train([[1]], [1], { batchSize: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 0/, expected: /batchSize must be an integer >= 1/ } },
  { name: 'LinearUnit.train(): momentum (not an option)', code: `new zd.LinearUnit(1).train([[1]], [1], { momentum: 0.9 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "momentum"/, expected: /options: epochs, learningRate, batchSize, shuffle, seed/ } },
  { name: 'LinearUnit.train(): a learning rate that diverges', code: `new zd.LinearUnit(1).train([[1e6], [2e6]], [1, 2], { learningRate: 10, epochs: 50 })`, expect: { code: 'ERR_NON_FINITE', came: /learning rate 10/, expected: /non-finite.*lower it or scale the inputs/ } },

  // predict / setWeights
  { name: 'Perceptron.predict(): a sample of the wrong size', code: `new zd.Perceptron(2).predict([1])`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got 1/, expected: /a sample of 2 values/ } },
  { name: 'Perceptron.predict(): a string', code: `new zd.Perceptron(2).predict('ab')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "ab"/, expected: /one sample \(an array of numbers\) or an array of samples/ } },
  { name: 'Perceptron.predict(): rows of two sizes', code: `new zd.Perceptron(2).predict([[1, 1], [1]])`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got 1 at inputs\[1\]/, expected: /every sample to have 2 values/ } },
  { name: 'Perceptron.predict(): NaN', code: `new zd.Perceptron(2).predict([1, NaN])`, expect: { code: 'ERR_NON_FINITE', came: /input\[1\] is NaN/, expected: /must be finite/ } },
  { name: 'Perceptron.predict(): a hole', code: `new zd.Perceptron(2).predict([1, , ])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /input\[1\].*a hole/, expected: /must be a number/ } },
  { name: 'Perceptron.setWeights(): too few weights', code: `new zd.Perceptron(2).setWeights([1], 0)`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got 1/, expected: /expected 2 weights/ } },
  { name: 'Perceptron.setWeights(): bias is a string', code: `new zd.Perceptron(2).setWeights([1, 1], '0')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0"/, expected: /bias as a number/ } },
  { name: 'Perceptron.setWeights(): a NaN weight', code: `new zd.Perceptron(2).setWeights([1, NaN], 0)`, expect: { code: 'ERR_NON_FINITE', came: /weights\[1\] is NaN/, expected: /must be finite/ } },
  { name: 'Perceptron.setWeights(): weights is a number', code: `new zd.Perceptron(2).setWeights(1, 0)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 1/, expected: /weights as an array of numbers/ } },

  // fromConfig
  { name: 'Perceptron.fromConfig(): a linear unit description', code: `zd.Perceptron.fromConfig({ format: 'zerodl.unit', version: 1, kind: 'linearUnit', inputSize: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"linearUnit"/, expected: /kind "perceptron"/ } },
  { name: 'Perceptron.fromConfig(): text that is not JSON', code: `zd.Perceptron.fromConfig('{')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /not JSON/, expected: /a description object or its JSON text/ } },
  { name: 'Perceptron.fromConfig(): a future version', code: `zd.Perceptron.fromConfig({ ...${UNIT}, version: 9 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /format version 9/, expected: /up to 1\); upgrade zerodl/ } },
  { name: 'Perceptron.fromConfig(): a Sequential format', code: `zd.Perceptron.fromConfig({ ...${UNIT}, format: 'zerodl.sequential' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "zerodl\.sequential"/, expected: /format must be "zerodl\.unit"/ } },
  { name: 'Perceptron.fromConfig(): misspelt inputSize', code: `zd.Perceptron.fromConfig({ format: 'zerodl.unit', version: 1, kind: 'perceptron', inputsize: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "inputsize"/, expected: /did you mean "inputSize"/ } },
  { name: 'Perceptron.fromConfig(): inputSize 0', code: `zd.Perceptron.fromConfig({ ...${UNIT}, inputSize: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0/, expected: /inputSize must be an integer >= 1/ } },
  { name: 'Perceptron.fromConfig(): null', code: `zd.Perceptron.fromConfig(null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /must be an object/ } },
  { name: 'LinearUnit.fromConfig(): a perceptron description as text', code: `zd.LinearUnit.fromConfig(JSON.stringify(${UNIT}))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"perceptron"/, expected: /kind "linearUnit"/ } },
  { name: 'LinearUnit.fromConfig(): no kind', code: `zd.LinearUnit.fromConfig({ format: 'zerodl.unit', version: 1, inputSize: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /kind "linearUnit"/ } },
];
