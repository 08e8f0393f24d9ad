// Seeds 004 and 005 for real: a character-level LSTM language model learns Moby Dick and writes
// new text by sampling with a temperature. Run alone with `node examples/char-lm.mjs`; `npm run
// demo` runs it too.
import { performance } from 'node:perf_hooks';
import * as zd from '../dist/index.mjs';
import { loadMobyDick } from '../dist/datasets/index.js';

/** Text -> ids over its sorted alphabet. */
export function encode(text) {
  const alphabet = [...new Set(text)].sort();
  const index = new Map(alphabet.map((c, i) => [c, i]));
  return { alphabet, ids: Float32Array.from(text, (c) => index.get(c)) };
}

/** Non-overlapping windows: inputs ids[s..s+T), targets ids[s+1..s+T+1). */
export function windows(ids, steps) {
  const n = Math.floor((ids.length - 1) / steps);
  const x = new Float32Array(n * steps);
  const y = new Float32Array(n * steps);
  for (let s = 0; s < n; s++) {
    x.set(ids.subarray(s * steps, (s + 1) * steps), s * steps);
    y.set(ids.subarray(s * steps + 1, (s + 1) * steps + 1), s * steps);
  }
  return { x: zd.tensor(x, [n, steps]), y: zd.tensor(y, [n, steps]), count: n };
}

/** Embedding -> LSTM -> softmax over the alphabet at every step. `steps` null: any length. */
export function buildCharLm(vocab, steps, { units = 256, embed = 32, seed = 1, stateful = false } = {}) {
  const model = new zd.Sequential(
    [
      zd.layers.embedding({ inputDim: vocab, outputDim: embed, inputShape: [steps] }),
      zd.layers.lstm({ units, returnSequences: true, stateful }),
      zd.layers.dense({ units: vocab, activation: 'softmax' }),
    ],
    { seed },
  );
  model.compile({ optimizer: zd.optimizers.adam({ learningRate: 2e-3 }), loss: 'sparseCategoricalCrossentropy', clipNorm: 5 });
  return model;
}

/**
 * Draws `length` characters after `prompt`, from softmax(log p / temperature). A stateful copy
 * of the model (free timesteps, same weights) reads the prompt once, then one character per
 * call, carrying the LSTM state: no window is re-read and the context is the whole text so far.
 */
export function sample(model, alphabet, prompt, length, temperature = 0.8, seed = 1) {
  const index = new Map(alphabet.map((c, i) => [c, i]));
  let rand = seed >>> 0;
  const random = () => ((rand = (Math.imul(rand, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const sampler = buildCharLm(alphabet.length, null, { units: model.layers[1].units, embed: model.layers[0].outputDim, stateful: true });
  sampler.setWeights(model.getWeights());
  let input = [...prompt].map((c) => index.get(c) ?? 0);
  let out = '';
  for (let k = 0; k < length; k++) {
    const probs = sampler.predict(zd.tensor(Float32Array.from(input), [1, input.length])).toFloat32Array();
    const last = probs.subarray((input.length - 1) * alphabet.length);
    const weights = Array.from(last, (p) => Math.exp(Math.log(Math.max(p, 1e-12)) / temperature));
    let r = random() * weights.reduce((a, b) => a + b, 0);
    let next = 0;
    while (next < weights.length - 1 && (r -= weights[next]) > 0) next++;
    input = [next];
    out += alphabet[next];
  }
  return out;
}

export async function trainCharLm({ epochs = 2, steps = 64, chars, verbose = 1 } = {}) {
  const text = chars ? loadMobyDick().slice(0, chars) : loadMobyDick();
  const { alphabet, ids } = encode(text);
  const split = Math.floor(ids.length * 0.95);
  const train = windows(ids.subarray(0, split), steps);
  const val = windows(ids.subarray(split), steps);
  const model = buildCharLm(alphabet.length, steps);
  if (verbose) model.summary();
  const t0 = performance.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 32, validationData: [val.x, val.y], seed: 1, verbose });
  const seconds = (performance.now() - t0) / 1000;
  const { loss } = await model.evaluate(val.x, val.y);
  return { model, alphabet, steps, valLoss: loss, seconds, trainChars: split };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { model, alphabet, valLoss, seconds } = await trainCharLm();
  console.log(`\nvalidation loss ${valLoss.toFixed(3)} nats/char after ${seconds.toFixed(0)} s; sampled at temperature 0.8:\n`);
  console.log(sample(model, alphabet, 'Call me Ishmael. ', 400));
}
