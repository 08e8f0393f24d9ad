// Zero-sample batches are valid input for inference: predict / predictAsync / predictValues
// return an empty result of the right shape (not an error, and not a crash), for every layer
// kind. Add a row here with each new layer.
import type { Case } from '../types.js';

const seq = (layer: string, after = `zd.layers.dense({ units: 2 })`) => `new zd.Sequential([${layer}, ${after}], { seed: 1 })`;

export const emptyBatch: Case[] = [
  { name: 'empty batch: dense', code: `new zd.Sequential([zd.layers.dense({ units: 4, inputShape: [3] }), zd.layers.dense({ units: 2, activation: 'softmax' })]).predict(zd.zeros([0, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: dense + dropout', code: `new zd.Sequential([zd.layers.dense({ units: 4, inputShape: [3] }), zd.layers.dropout({ rate: 0.5 }), zd.layers.dense({ units: 2 })]).predict(zd.zeros([0, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: dropout first', code: `new zd.Sequential([zd.layers.dropout({ rate: 0.5, inputShape: [3] })]).predict(zd.zeros([0, 3]))`, returns: { shape: [0, 3] } },
  { name: 'empty batch: dense over sequences', code: `new zd.Sequential([zd.layers.dense({ units: 4, inputShape: [5, 3] })]).predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 5, 4] } },
  { name: 'empty batch: embedding', code: `new zd.Sequential([zd.layers.embedding({ inputDim: 10, outputDim: 3, inputShape: [5] })]).predict(zd.zeros([0, 5]))`, returns: { shape: [0, 5, 3] } },
  { name: 'empty batch: embedding with free length', code: `new zd.Sequential([zd.layers.embedding({ inputDim: 10, outputDim: 3, inputShape: [null] })]).predict(zd.zeros([0, 7]))`, returns: { shape: [0, 7, 3] } },
  { name: 'empty batch: simpleRNN', code: `${seq(`zd.layers.simpleRNN({ units: 4, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: simpleRNN relu, returnSequences', code: `${seq(`zd.layers.simpleRNN({ units: 4, activation: 'relu', returnSequences: true, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 5, 2] } },
  { name: 'empty batch: lstm', code: `${seq(`zd.layers.lstm({ units: 4, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: lstm returnSequences', code: `${seq(`zd.layers.lstm({ units: 4, returnSequences: true, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 5, 2] } },
  { name: 'empty batch: lstm with peepholes', code: `${seq(`zd.layers.lstm({ units: 4, peephole: true, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: stateful lstm', code: `${seq(`zd.layers.lstm({ units: 4, stateful: true, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: gru', code: `${seq(`zd.layers.gru({ units: 4, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: gru with lengths []', code: `${seq(`zd.layers.gru({ units: 4, inputShape: [5, 3] })`)}.predict(zd.zeros([0, 5, 3]), { lengths: [] })`, returns: { shape: [0, 2] } },
  { name: 'empty batch: bidirectional stacked lstm', code: `${seq(`zd.layers.bidirectional(zd.layers.lstm({ units: 4, numLayers: 2, returnSequences: true, inputShape: [null, 3] }))`)}.predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 5, 2] } },
  { name: 'empty batch: bidirectional gru', code: `new zd.Sequential([zd.layers.bidirectional(zd.layers.gru({ units: 4, inputShape: [5, 3] }))]).predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 8] } },
  { name: 'empty batch: stacked bidirectional simpleRNN', code: `new zd.Sequential([zd.layers.simpleRNN({ units: 4, numLayers: 3, bidirectional: true, inputShape: [5, 3] })]).predict(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 8] } },
  { name: 'empty batch: embedding + lstm + dense per step', code: `new zd.Sequential([zd.layers.embedding({ inputDim: 10, outputDim: 3, inputShape: [null] }), zd.layers.lstm({ units: 4, returnSequences: true }), zd.layers.dense({ units: 10, activation: 'softmax' })]).predict(zd.zeros([0, 6]))`, returns: { shape: [0, 6, 10] } },
  { name: 'empty batch: predictAsync, dense', code: `new zd.Sequential([zd.layers.dense({ units: 4, inputShape: [3] })]).predictAsync(zd.zeros([0, 3]))`, returns: { shape: [0, 4] } },
  { name: 'empty batch: predictAsync, embedding', code: `new zd.Sequential([zd.layers.embedding({ inputDim: 10, outputDim: 3, inputShape: [5] })]).predictAsync(zd.zeros([0, 5]))`, returns: { shape: [0, 5, 3] } },
  { name: 'empty batch: predictAsync, simpleRNN', code: `${seq(`zd.layers.simpleRNN({ units: 4, inputShape: [5, 3] })`)}.predictAsync(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: predictAsync, lstm', code: `${seq(`zd.layers.lstm({ units: 4, inputShape: [5, 3] })`)}.predictAsync(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 2] } },
  { name: 'empty batch: predictAsync, bidirectional gru sequences', code: `new zd.Sequential([zd.layers.bidirectional(zd.layers.gru({ units: 4, returnSequences: true, inputShape: [5, 3] }))]).predictAsync(zd.zeros([0, 5, 3]))`, returns: { shape: [0, 5, 8] } },
  { name: 'empty batch: predictValues, dense', code: `new zd.Sequential([zd.layers.dense({ units: 4, inputShape: [3] })]).predictValues(new Float32Array(0), [0, 3])`, returns: { length: 0 } },
  { name: 'empty batch: predictValues, embedding', code: `new zd.Sequential([zd.layers.embedding({ inputDim: 10, outputDim: 3, inputShape: [5] })]).predictValues(new Float32Array(0), [0, 5])`, returns: { length: 0 } },
  { name: 'empty batch: predictValues, simpleRNN', code: `${seq(`zd.layers.simpleRNN({ units: 4, inputShape: [5, 3] })`)}.predictValues(new Float32Array(0), [0, 5, 3])`, returns: { length: 0 } },
  { name: 'empty batch: predictValues, lstm', code: `${seq(`zd.layers.lstm({ units: 4, inputShape: [5, 3] })`)}.predictValues(new Float32Array(0), [0, 5, 3])`, returns: { length: 0 } },
  { name: 'empty batch: predictValues, gru with lengths []', code: `${seq(`zd.layers.gru({ units: 4, inputShape: [5, 3] })`)}.predictValues(new Float32Array(0), [0, 5, 3], { lengths: [] })`, returns: { length: 0 } },
  { name: 'empty batch: predictValues, bidirectional lstm', code: `new zd.Sequential([zd.layers.bidirectional(zd.layers.lstm({ units: 4, inputShape: [null, 3] }))]).predictValues(new Float32Array(0), [0, 5, 3])`, returns: { length: 0 } },
];
