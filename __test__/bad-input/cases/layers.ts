// Every layer factory: missing and unknown options, wrong types, out-of-range values, options of
// another layer kind. Add a block here with each new layer.
import type { Case } from '../types.js';

const OPTIONS_OBJECT = /expects an options object/;
const INPUT_SHAPE = /inputShape to be an array of positive integers or null/;

export const layers: Case[] = [
  // dense
  { name: 'dense(): no options', code: `zd.layers.dense()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined/, expected: OPTIONS_OBJECT } },
  { name: 'dense(): options is a number', code: `zd.layers.dense(5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 5/, expected: OPTIONS_OBJECT } },
  { name: 'dense(): options is a class instance', code: `zd.layers.dense(new (class Opts { constructor() { this.units = 1; } })())`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an object \(Opts\)/, expected: OPTIONS_OBJECT } },
  { name: 'dense(): units missing', code: `zd.layers.dense({})`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /is required/, expected: /"units"/ } },
  { name: 'dense(): units 0', code: `zd.layers.dense({ units: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0/, expected: /units must be an integer >= 1/ } },
  { name: 'dense(): units -1', code: `zd.layers.dense({ units: -1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -1/, expected: /units.*integer/ } },
  { name: 'dense(): fractional units', code: `zd.layers.dense({ units: 1.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1\.5/, expected: /units.*integer/ } },
  { name: 'dense(): units is a string', code: `zd.layers.dense({ units: '10' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "10"/, expected: /units.*integer/ } },
  { name: 'dense(): NaN units', code: `zd.layers.dense({ units: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got NaN/, expected: /units must be a finite number/ } },
  { name: 'dense(): units is a BigInt', code: `zd.layers.dense({ units: 3n })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /bigint 3/, expected: /plain data/ } },
  { name: 'dense(): misspelt activation key', code: `zd.layers.dense({ units: 1, activaton: 'relu' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "activaton"/, expected: /did you mean "activation"/ } },
  { name: 'dense(): input_shape (snake case)', code: `zd.layers.dense({ units: 1, input_shape: [3] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "input_shape"/, expected: /did you mean "inputShape"/ } },
  { name: 'dense(): kind is set by the factory', code: `zd.layers.dense({ units: 1, kind: 'lstm' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "kind"/, expected: /options: name, units/ } },
  { name: 'dense(): rate (a dropout option)', code: `zd.layers.dense({ units: 1, rate: 0.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "rate"/, expected: /options: name, units/ } },
  { name: 'dense(): unknown activation', code: `zd.layers.dense({ units: 1, activation: 'gelu' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown value "gelu"/, expected: /expected one of "linear", "sigmoid", "tanh", "relu", "softmax"/ } },
  { name: 'dense(): misspelt activation', code: `zd.layers.dense({ units: 1, activation: 'rleu' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown value "rleu"/, expected: /did you mean "relu"/ } },
  { name: 'dense(): activation is a number', code: `zd.layers.dense({ units: 1, activation: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1/, expected: /activation.*string/ } },
  { name: 'dense(): activation is a function', code: `zd.layers.dense({ units: 1, activation: (x) => x })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /function/, expected: /activation must be plain data/ } },
  { name: 'dense(): useBias is a string', code: `zd.layers.dense({ units: 1, useBias: 'no' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "no"/, expected: /useBias: expected a boolean/ } },
  { name: 'dense(): unknown kernelInitializer', code: `zd.layers.dense({ units: 1, kernelInitializer: 'xavier' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown value "xavier"/, expected: /expected one of .*"glorotUniform"/ } },
  { name: 'dense(): unknown biasInitializer', code: `zd.layers.dense({ units: 1, biasInitializer: 'ones' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown value "ones"/, expected: /expected one of .*"zeros"/ } },
  { name: 'dense(): inputShape is a string', code: `zd.layers.dense({ units: 1, inputShape: '784' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "784"/, expected: INPUT_SHAPE } },
  { name: 'dense(): inputShape is a number', code: `zd.layers.dense({ units: 1, inputShape: 3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 3/, expected: INPUT_SHAPE } },
  { name: 'dense(): inputShape [-1]', code: `zd.layers.dense({ units: 1, inputShape: [-1] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /\[-1\]/, expected: INPUT_SHAPE } },
  { name: 'dense(): inputShape [0]', code: `zd.layers.dense({ units: 1, inputShape: [0] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /\[0\]/, expected: INPUT_SHAPE } },
  { name: 'dense(): inputShape [2.5]', code: `zd.layers.dense({ units: 1, inputShape: [2.5] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /\[2\.5\]/, expected: INPUT_SHAPE } },
  // Array.prototype.every skips holes: [, 3] passes the check and becomes [null, 3] (a free size).
  { name: 'dense(): inputShape with a hole', code: `zd.layers.dense({ units: 1, inputShape: [, 3] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /a hole \(a sparse array\) at index 0/, expected: INPUT_SHAPE } },
  { name: 'dense(): name is a number', code: `zd.layers.dense({ units: 1, name: 5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 5/, expected: /name: expected a string/ } },
  { name: 'dense(): empty name', code: `zd.layers.dense({ units: 1, name: '' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got ""/, expected: /name must be a non-empty string/ } },

  // dropout
  { name: 'dropout(): no options', code: `zd.layers.dropout()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined/, expected: OPTIONS_OBJECT } },
  { name: 'dropout(): rate missing', code: `zd.layers.dropout({})`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /is required/, expected: /"rate"/ } },
  { name: 'dropout(): rate 1', code: `zd.layers.dropout({ rate: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1/, expected: /rate must be a number in \[0, 1\)/ } },
  { name: 'dropout(): negative rate', code: `zd.layers.dropout({ rate: -0.1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -0\.1/, expected: /rate must be a number in \[0, 1\)/ } },
  { name: 'dropout(): NaN rate', code: `zd.layers.dropout({ rate: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got NaN/, expected: /rate must be a finite number/ } },
  { name: 'dropout(): rate is a string', code: `zd.layers.dropout({ rate: '0.5' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0\.5"/, expected: /rate: expected a number/ } },
  { name: 'dropout(): units (a dense option)', code: `zd.layers.dropout({ rate: 0.5, units: 3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "units"/, expected: /options: name, rate, inputShape/ } },

  // embedding
  { name: 'embedding(): inputDim missing', code: `zd.layers.embedding({ outputDim: 3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /is required/, expected: /"inputDim"/ } },
  { name: 'embedding(): outputDim missing', code: `zd.layers.embedding({ inputDim: 10 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /is required/, expected: /"outputDim"/ } },
  { name: 'embedding(): inputDim 0', code: `zd.layers.embedding({ inputDim: 0, outputDim: 3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0 and 3/, expected: /inputDim and outputDim must be integers >= 1/ } },
  { name: 'embedding(): fractional outputDim', code: `zd.layers.embedding({ inputDim: 10, outputDim: 2.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 2\.5/, expected: /outputDim.*integer/ } },
  { name: 'embedding(): misspelt outputDim', code: `zd.layers.embedding({ inputDim: 10, outputDim: 3, outputdim: 3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "outputdim"/, expected: /did you mean "outputDim"/ } },
  { name: 'embedding(): units (a dense option)', code: `zd.layers.embedding({ inputDim: 10, outputDim: 3, units: 3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "units"/, expected: /options: name, inputDim, outputDim/ } },

  // simpleRNN
  { name: 'simpleRNN(): units missing', code: `zd.layers.simpleRNN({})`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /is required/, expected: /"units"/ } },
  { name: 'simpleRNN(): sigmoid activation', code: `zd.layers.simpleRNN({ units: 3, activation: 'sigmoid' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got "sigmoid"/, expected: /"tanh" or "relu"/ } },
  { name: 'simpleRNN(): forgetBias (an LSTM option)', code: `zd.layers.simpleRNN({ units: 3, forgetBias: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "forgetBias"/, expected: /options: name, units/ } },
  { name: 'simpleRNN(): peephole (an LSTM option)', code: `zd.layers.simpleRNN({ units: 3, peephole: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "peephole"/, expected: /options: name, units/ } },

  // lstm
  { name: 'lstm(): units 0', code: `zd.layers.lstm({ units: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0 and 1/, expected: /units and numLayers must be integers >= 1/ } },
  { name: 'lstm(): numLayers 0', code: `zd.layers.lstm({ units: 3, numLayers: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 3 and 0/, expected: /units and numLayers must be integers >= 1/ } },
  { name: 'lstm(): fractional numLayers', code: `zd.layers.lstm({ units: 3, numLayers: 1.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1\.5/, expected: /numLayers.*integer/ } },
  { name: 'lstm(): dropout with one layer', code: `zd.layers.lstm({ units: 3, dropout: 0.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got numLayers 1/, expected: /between stacked layers \(numLayers > 1\)/ } },
  { name: 'lstm(): dropout 1', code: `zd.layers.lstm({ units: 3, numLayers: 2, dropout: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1/, expected: /dropout must be a number in \[0, 1\)/ } },
  { name: 'lstm(): negative dropout', code: `zd.layers.lstm({ units: 3, numLayers: 2, dropout: -0.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -0\.5/, expected: /dropout must be a number in \[0, 1\)/ } },
  { name: 'lstm(): returnSequences is a string', code: `zd.layers.lstm({ units: 3, returnSequences: 'true' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "true"/, expected: /returnSequences: expected a boolean/ } },
  { name: 'lstm(): returnSequence (misspelt)', code: `zd.layers.lstm({ units: 3, returnSequence: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "returnSequence"/, expected: /did you mean "returnSequences"/ } },
  { name: 'lstm(): stateful is a number', code: `zd.layers.lstm({ units: 3, stateful: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1/, expected: /stateful: expected a boolean/ } },
  { name: 'lstm(): truncateBptt 0', code: `zd.layers.lstm({ units: 3, truncateBptt: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0/, expected: /truncateBptt must be a number of steps >= 1/ } },
  { name: 'lstm(): truncateBptt is a string', code: `zd.layers.lstm({ units: 3, truncateBptt: '5' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "5"/, expected: /truncateBptt.*integer/ } },
  { name: 'lstm(): NaN forgetBias', code: `zd.layers.lstm({ units: 3, forgetBias: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got NaN/, expected: /forgetBias must be a finite (float32 )?number/ } },
  // 1e300 overflows float32; the message says "must be a finite number" without the value.
  { name: 'lstm(): forgetBias 1e300', code: `zd.layers.lstm({ units: 3, forgetBias: 1e300 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /1e\+?300/, expected: /forgetBias must be a finite (float32 )?number/ } },
  { name: 'lstm(): peephole is a number', code: `zd.layers.lstm({ units: 3, peephole: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1/, expected: /peephole: expected a boolean/ } },
  { name: 'lstm(): activation (a simpleRNN option)', code: `zd.layers.lstm({ units: 3, activation: 'relu' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "activation"/, expected: /options: name, units/ } },
  { name: 'lstm(): bidirectional is a string', code: `zd.layers.lstm({ units: 3, bidirectional: 'yes' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "yes"/, expected: /bidirectional: expected a boolean/ } },

  // gru
  { name: 'gru(): no options', code: `zd.layers.gru()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined/, expected: OPTIONS_OBJECT } },
  { name: 'gru(): units is a string', code: `zd.layers.gru({ units: '3' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "3"/, expected: /units.*integer/ } },
  { name: 'gru(): forgetBias (an LSTM option)', code: `zd.layers.gru({ units: 3, forgetBias: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "forgetBias"/, expected: /options: name, units/ } },
  { name: 'gru(): peephole (an LSTM option)', code: `zd.layers.gru({ units: 3, peephole: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "peephole"/, expected: /options: name, units/ } },
  { name: 'gru(): activation (a simpleRNN option)', code: `zd.layers.gru({ units: 3, activation: 'tanh' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "activation"/, expected: /options: name, units/ } },

  // bidirectional
  { name: 'bidirectional(): a dense layer', code: `zd.layers.bidirectional(zd.layers.dense({ units: 3 }))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /a dense layer/, expected: /a recurrent layer \(simpleRNN, lstm or gru\)/ } },
  { name: 'bidirectional(): null', code: `zd.layers.bidirectional(null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /a recurrent layer/ } },
  { name: 'bidirectional(): a mergeMode (Keras) option', code: `zd.layers.bidirectional(zd.layers.lstm({ units: 3 }), { mergeMode: 'sum' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "mergeMode"/, expected: /it takes no options/ } },
  { name: 'bidirectional(): options instead of a layer', code: `zd.layers.bidirectional({ units: 3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an object \(Object\)/, expected: /a recurrent layer/ } },
  { name: 'bidirectional(): a kind name', code: `zd.layers.bidirectional('lstm')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "lstm"/, expected: /a recurrent layer/ } },
];
