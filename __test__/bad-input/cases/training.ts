// Training utilities: optimizers.sgd / adam, callbacks.earlyStopping, gradientCheck.
import type { Case } from '../types.js';

const ES = /earlyStopping\(\) expects/;

export const training: Case[] = [
  // optimizers.sgd
  { name: 'sgd(): options is null', code: `zd.optimizers.sgd(null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /an options object/ } },
  { name: 'sgd(): options is a number', code: `zd.optimizers.sgd(0.1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got number/, expected: /an options object/ } },
  { name: 'sgd(): options is an array', code: `zd.optimizers.sgd([])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array/, expected: /an options object/ } },
  { name: 'sgd(): negative learningRate', code: `zd.optimizers.sgd({ learningRate: -1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -1/, expected: /learningRate must be a finite number >= 0/ } },
  { name: 'sgd(): NaN learningRate', code: `zd.optimizers.sgd({ learningRate: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got NaN/, expected: /learningRate must be a finite (float32 )?number/ } },
  { name: 'sgd(): learningRate is a string', code: `zd.optimizers.sgd({ learningRate: '0.1' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0\.1"/, expected: /learningRate: expected a number/ } },
  { name: 'sgd(): lr (Keras/PyTorch name)', code: `zd.optimizers.sgd({ lr: 0.1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "lr"/, expected: /options: learningRate, momentum, nesterov, weightDecay/ } },
  { name: 'sgd(): negative momentum', code: `zd.optimizers.sgd({ momentum: -0.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -0\.5/, expected: /momentum must be a finite number >= 0/ } },
  { name: 'sgd(): nesterov without momentum', code: `zd.optimizers.sgd({ nesterov: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got momentum 0/, expected: /nesterov momentum needs momentum > 0/ } },
  { name: 'sgd(): nesterov is a string', code: `zd.optimizers.sgd({ nesterov: 'yes', momentum: 0.9 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "yes"/, expected: /nesterov: expected a boolean/ } },
  { name: 'sgd(): negative weightDecay', code: `zd.optimizers.sgd({ weightDecay: -1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -1/, expected: /weightDecay must be a finite number >= 0/ } },
  { name: 'sgd(): beta1 (an Adam option)', code: `zd.optimizers.sgd({ beta1: 0.9 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "beta1"/, expected: /options: learningRate, momentum/ } },
  { name: 'sgd(): kind is set by the factory', code: `zd.optimizers.sgd({ kind: 'adam' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "kind"/, expected: /the factory sets it/ } },

  // optimizers.adam
  { name: 'adam(): beta1 1', code: `zd.optimizers.adam({ beta1: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1/, expected: /beta1 must be in \[0, 1\)/ } },
  { name: 'adam(): negative beta1', code: `zd.optimizers.adam({ beta1: -0.1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -0\.1/, expected: /beta1 must be in \[0, 1\)/ } },
  { name: 'adam(): beta2 2', code: `zd.optimizers.adam({ beta2: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 2/, expected: /beta2 must be in \[0, 1\)/ } },
  { name: 'adam(): epsilon 0', code: `zd.optimizers.adam({ epsilon: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 0/, expected: /epsilon must be a finite number > 0/ } },
  { name: 'adam(): negative epsilon', code: `zd.optimizers.adam({ epsilon: -1e-8 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -(1e-8|0\.0+1)/, expected: /epsilon must be a finite number > 0/ } },
  { name: 'adam(): momentum (an SGD option)', code: `zd.optimizers.adam({ momentum: 0.9 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "momentum"/, expected: /options: learningRate, beta1, beta2, epsilon/ } },
  { name: 'adam(): decoupledWeightDecay is a string', code: `zd.optimizers.adam({ decoupledWeightDecay: 'true' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "true"/, expected: /decoupledWeightDecay: expected a boolean/ } },
  { name: 'adam(): Infinity learningRate', code: `zd.optimizers.adam({ learningRate: Infinity })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /Infinity/, expected: /learningRate must be a finite (float32 )?number/ } },
  // 1e300 is finite in JS but not in float32: the message says "got inf", not what came.
  { name: 'adam(): learningRate 1e300', code: `zd.optimizers.adam({ learningRate: 1e300 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /1e\+?300/, expected: /learningRate must be a finite (float32 )?number/ } },
  { name: 'adam(): weightDecay is a string', code: `zd.optimizers.adam({ weightDecay: '0' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0"/, expected: /weightDecay: expected a number/ } },

  // callbacks.earlyStopping
  { name: 'earlyStopping(): misspelt patience', code: `zd.callbacks.earlyStopping({ patince: 2 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "patince"/, expected: /did you mean "patience"/ } },
  { name: 'earlyStopping(): restoreBestWeight (singular)', code: `zd.callbacks.earlyStopping({ restoreBestWeight: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "restoreBestWeight"/, expected: /did you mean "restoreBestWeights"/ } },
  { name: 'earlyStopping(): monitor is a number', code: `zd.callbacks.earlyStopping({ monitor: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1/, expected: /monitor to be a metric name/ } },
  { name: 'earlyStopping(): empty monitor', code: `zd.callbacks.earlyStopping({ monitor: '' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got ""/, expected: /monitor to be a metric name/ } },
  { name: 'earlyStopping(): patience -1', code: `zd.callbacks.earlyStopping({ patience: -1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -1/, expected: /patience to be an integer >= 0/ } },
  { name: 'earlyStopping(): fractional patience', code: `zd.callbacks.earlyStopping({ patience: 1.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1\.5/, expected: /patience to be an integer >= 0/ } },
  { name: 'earlyStopping(): negative minDelta', code: `zd.callbacks.earlyStopping({ minDelta: -0.1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -0\.1/, expected: /minDelta to be a finite number >= 0/ } },
  { name: 'earlyStopping(): NaN minDelta', code: `zd.callbacks.earlyStopping({ minDelta: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got NaN/, expected: /minDelta to be a finite number >= 0/ } },
  { name: 'earlyStopping(): unknown mode', code: `zd.callbacks.earlyStopping({ mode: 'maximum' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got "maximum"/, expected: /mode to be "auto", "min" or "max"/ } },
  { name: 'earlyStopping(): baseline is a string', code: `zd.callbacks.earlyStopping({ baseline: '0.5' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got "0\.5"/, expected: /baseline to be a finite number/ } },
  { name: 'earlyStopping(): Infinity baseline', code: `zd.callbacks.earlyStopping({ baseline: Infinity })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got Infinity/, expected: /baseline to be a finite number/ } },
  { name: 'earlyStopping(): restoreBestWeights is a string', code: `zd.callbacks.earlyStopping({ restoreBestWeights: 'yes' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got "yes"/, expected: /restoreBestWeights to be a boolean/ } },
  { name: 'earlyStopping(): options is null', code: `zd.callbacks.earlyStopping(null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /an options object/ } },
  { name: 'earlyStopping(): options is a number', code: `zd.callbacks.earlyStopping(3)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 3/, expected: /an options object/ } },
  { name: 'new EarlyStopping(): patience is a string', code: `new zd.callbacks.EarlyStopping({ patience: '2' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got "2"/, expected: ES } },
  { name: 'EarlyStopping.onEpochEnd(): used outside fit', code: `zd.callbacks.earlyStopping({ monitor: 'loss' }).onEpochEnd(0, { loss: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /earlyStopping needs setModel/, expected: /fit\(\) does this/ } },

  // gradientCheck
  { name: 'gradientCheck(): no model', code: `zd.gradientCheck(null, zd.ones([1, 3]), zd.ones([1, 2]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /a Sequential model/ } },
  { name: 'gradientCheck(): model not compiled', code: `zd.gradientCheck(h.mlp(), zd.ones([1, 3]), zd.ones([1, 2]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /needs a compiled model/, expected: /compile\(\{ optimizer, loss \}\)/ } },
  { name: 'gradientCheck(): epsilon 0', code: `zd.gradientCheck(h.compiled(), zd.ones([1, 3]), zd.ones([1, 2]), { epsilon: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 0/, expected: /epsilon to be a finite number > 0/ } },
  { name: 'gradientCheck(): epsilon 1e300', code: `zd.gradientCheck(h.compiled(), zd.ones([1, 3]), zd.ones([1, 2]), { epsilon: 1e300 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /1e\+?300/, expected: /epsilon to be a finite number > 0/ } },
  { name: 'gradientCheck(): misspelt epsilon', code: `zd.gradientCheck(h.compiled(), zd.ones([1, 3]), zd.ones([1, 2]), { epsilion: 1e-3 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "epsilion"/, expected: /did you mean "epsilon"/ } },
  { name: 'gradientCheck(): maxPerParam 0', code: `zd.gradientCheck(h.compiled(), zd.ones([1, 3]), zd.ones([1, 2]), { maxPerParam: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 0/, expected: /maxPerParam to be an integer >= 1/ } },
  { name: 'gradientCheck(): negative atol', code: `zd.gradientCheck(h.compiled(), zd.ones([1, 3]), zd.ones([1, 2]), { atol: -1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number -1/, expected: /atol to be a finite number >= 0/ } },
  { name: 'gradientCheck(): NaN rtol', code: `zd.gradientCheck(h.compiled(), zd.ones([1, 3]), zd.ones([1, 2]), { rtol: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /NaN/, expected: /rtol to be a finite number >= 0/ } },
  { name: 'gradientCheck(): x of another width', code: `zd.gradientCheck(h.compiled(), zd.ones([1, 4]), zd.ones([1, 2]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /got \[1, 4\]/, expected: /inputs of shape \[batch, 3\]/ } },
  { name: 'gradientCheck(): zero samples', code: `zd.gradientCheck(h.compiled(), zd.ones([0, 3]), zd.ones([0, 2]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /shape \[0, 3\]/, expected: /at least one sample/ } },
  { name: 'gradientCheck(): NaN input', code: `zd.gradientCheck(h.compiled(), zd.full([1, 3], NaN), zd.ones([1, 2]))`, expect: { code: 'ERR_NON_FINITE', came: /NaN/, expected: /input/ } },
  { name: 'gradientCheck(): a length beyond the timesteps', code: `zd.gradientCheck(h.compiledRnn(), h.SX(), h.SY(), { lengths: [9, 1] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /lengths\[0\] is 9/, expected: /must be in \[1, 5\]/ } },
  // learning rate and its schedule
  { name: 'learningRate: set before compile', code: `{ const m = h.mlp(); m.learningRate = 0.1; }`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /setting the learning rate/, expected: /needs a compiled model/ } },
  { name: 'learningRate: a string', code: `{ const m = h.compiled(); m.learningRate = '0.1'; }`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0\.1"/, expected: /a number >= 0/ } },
  { name: 'learningRate: negative', code: `{ const m = h.compiled(); m.learningRate = -0.5; }`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -0\.5/, expected: /finite number >= 0/ } },
  { name: 'learningRate: infinite', code: `{ const m = h.compiled(); m.learningRate = Infinity; }`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /inf/i, expected: /finite number/ } },
  { name: 'learningRateScheduler(): not a function', code: `zd.callbacks.learningRateScheduler({ 0: 0.1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an object/, expected: /expects a function \(epoch, learningRate\) => learningRate/ } },
  { name: 'learningRateScheduler(): the schedule returns a string', code: `h.compiled().fit(h.X(), h.Y(), { epochs: 1, verbose: 0, callbacks: [zd.callbacks.learningRateScheduler(() => '0.1')] })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0\.1" for epoch 0/, expected: /must return a finite number >= 0/ } },
];
