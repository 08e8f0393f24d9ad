// The character-level LSTM language model (seeds 004/005) on real text, within CI time: after a
// few epochs on the first 54,000 characters of Moby Dick it must predict the next 6,000 far better
// than character frequencies alone, and sampling (a stateful copy of the model fed one character
// at a time) must produce text over the novel's alphabet.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { zd } from './helpers.js';

const require = createRequire(import.meta.url);
const { loadMobyDick } = require('../dist/datasets/index.js') as typeof import('../dist/datasets/index.js');

type Model = InstanceType<typeof zd.Sequential>;
interface CharLm {
  encode(text: string): { alphabet: string[]; ids: Float32Array };
  windows(ids: Float32Array, steps: number): { x: unknown; y: unknown; count: number };
  buildCharLm(vocab: number, steps: number, opts: { units: number }): Model;
  sample(model: Model, alphabet: string[], prompt: string, length: number, temperature?: number): string;
}

describe('character-level language model', () => {
  it('beats the unigram baseline on held-out Moby Dick text and samples from its alphabet', async () => {
    const example = '../examples/char-lm.mjs'; // the demo's own code, plain JS
    const lm = (await import(example)) as CharLm;
    const { alphabet, ids } = lm.encode(loadMobyDick().slice(0, 60000));
    const split = 54000;
    const counts = new Float64Array(alphabet.length).fill(1);
    for (let i = 0; i < split; i++) counts[ids[i] as number]! += 1;
    const total = counts.reduce((a, b) => a + b, 0);
    let unigram = 0;
    for (let i = split; i < ids.length; i++) unigram -= Math.log((counts[ids[i] as number] as number) / total);
    unigram /= ids.length - split;

    const steps = 32;
    const train = lm.windows(ids.subarray(0, split), steps);
    const val = lm.windows(ids.subarray(split), steps);
    const model = lm.buildCharLm(alphabet.length, steps, { units: 96 });
    const history = await model.fit(train.x as never, train.y as never, { epochs: 4, batchSize: 32, validationData: [val.x as never, val.y as never], seed: 1, verbose: 0 });
    const valLoss = history.history.val_loss as number[];
    expect(unigram).toBeGreaterThan(2.9); // ~3.06 nats/char: what letter frequencies alone give
    expect(valLoss.at(-1)).toBeLessThan(2.45);
    expect(valLoss.at(-1)).toBeLessThan(valLoss[0] as number);

    const text = lm.sample(model, alphabet, 'Call me Ishmael. ', 80);
    expect(text).toHaveLength(80);
    expect([...text].every((c) => alphabet.includes(c))).toBe(true);
  });
});
