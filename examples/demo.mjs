// The main demo (`npm run demo`): real tensor work on the native core, the seed's first models,
// a fully connected network and a convolutional one (LeNet-5) trained on MNIST with progress
// output, and a character-level LSTM language model. It grows with the model families.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as zd from '../dist/index.mjs';
import { trainMnistMlp } from './mnist-mlp.mjs';

const info = zd.backendInfo();
console.log(`zerodl native core: ${info.threads} threads, SIMD ${info.simd}, GEMM ${info.gemm}\n`);

// 1. Matrix products at increasing sizes, with throughput.
console.log('GEMM  C = A x B (float32)');
for (const n of [128, 256, 512, 1024]) {
  const a = zd.randn([n, n], { seed: 1 });
  const b = zd.randn([n, n], { seed: 2 });
  zd.matmul(a, b).dispose(); // warm-up
  const reps = n >= 1024 ? 5 : 20;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) zd.matmul(a, b).dispose();
  const ms = (performance.now() - t0) / reps;
  console.log(`  n=${String(n).padStart(4)}  ${ms.toFixed(2).padStart(7)} ms  ${((2 * n ** 3) / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
}

// 2. The seed's chapters 1 and 2: a perceptron learns AND; a linear unit learns salary from
//    years of work by SGD (numbers identical to the seed's Python).
const and = new zd.Perceptron(2);
and.train([[1, 1], [0, 0], [1, 0], [0, 1]], [1, 0, 0, 0], { epochs: 10, learningRate: 0.1 });
console.log(`\nperceptron (AND): ${String(and).trim().replace(/\n/g, ', ')}; predicts ${and.predict([[1, 1], [0, 0], [1, 0], [0, 1]]).join(' ')}`);
const salary = new zd.LinearUnit(1);
salary.train([[5], [3], [8], [1.4], [10.1]], [5500, 2300, 7600, 1800, 11400], { epochs: 10, learningRate: 0.01 });
console.log(`linear unit (salary): ${String(salary).trim().replace(/\n/g, ', ')}`);
for (const yrs of [3.4, 15, 1.5, 6.3]) console.log(`  ${String(yrs).padStart(4)} years -> ${salary.predict([yrs]).toFixed(2)} per month`);

// 3. Softmax of logits, stable even when they are huge.
const probs = zd.softmax(zd.tensor([[2, 1, 0.1], [1000, 1001, 1002]])).toArray();
console.log('\nsoftmax rows:', probs.map((r) => r.map((v) => v.toFixed(3)).join(' ')).join(' | '));

// 4. Async work keeps the event loop free (what a Node service needs).
const big = zd.randn([1024, 1024], { seed: 3 });
let ticks = 0;
const timer = setInterval(() => ticks++, 1);
const t0 = performance.now();
await Promise.all([1, 2, 3, 4].map(() => zd.matmulAsync(big, big)));
clearInterval(timer);
console.log(`\n4 async 1024^3 products in ${(performance.now() - t0).toFixed(0)} ms; the event loop ticked ${ticks} times meanwhile`);

// 5. Bad input is a typed error that names the shapes.
try {
  zd.matmul(zd.zeros([2, 3]), zd.zeros([4, 5]));
} catch (err) {
  console.log(`\n${err.name} (${err.code}): ${err.message}`);
}

// 6. Chapter 3: a fully connected network on MNIST (784-256-128-10, relu, Adam), with progress.
console.log('\nMNIST: training a 784-256-128-10 network on 55,000 images (5,000 held out for validation)');
const { model: mnist, accuracy, loss, seconds } = await trainMnistMlp({ epochs: 8 });
console.log(`MNIST test accuracy ${(accuracy * 100).toFixed(2)}% on 10,000 unseen images (loss ${loss.toFixed(4)}), trained in ${seconds.toFixed(1)} s`);

// 6b. The trained model as a file (safetensors: weights under PyTorch's names, the description
//     in its metadata), loaded back and scored by a second process.
const modelFile = join(tmpdir(), 'zerodl-demo-mnist.safetensors');
await mnist.save(modelFile);
const reloaded = JSON.parse(execFileSync(process.execPath, [fileURLToPath(new URL('./mnist-load.mjs', import.meta.url)), modelFile], { encoding: 'utf8' }));
console.log(`saved to ${modelFile} (${(statSync(modelFile).size / 1e6).toFixed(2)} MB); a second process loaded it: test accuracy ${(reloaded.accuracy * 100).toFixed(2)}%`);

// 7. Chapter 4: a convolutional network, LeNet-5, trained on MNIST until it scores >= 99% on the
//    test set; then the first layer's learned filters and one digit's feature maps as PNGs
//    (in $LENET_OUT_DIR, default ./lenet-output).
const { trainLeNet } = await import('./lenet-mnist.mjs');
console.log('\nMNIST with convolutions: LeNet-5 (conv 6@5x5, max-pool, conv 16@5x5, max-pool, 120-84-10), until 99% on the test set');
const lenet = await trainLeNet({ epochs: 10 });
console.log(`LeNet-5 test accuracy ${(lenet.accuracy * 100).toFixed(2)}% on 10,000 unseen images (loss ${lenet.loss.toFixed(4)}) after ${lenet.epochs} epoch${lenet.epochs === 1 ? '' : 's'}, trained in ${lenet.seconds.toFixed(1)} s`);
console.log(`  first-layer filters:  ${lenet.files.filters}`);
console.log(`  feature maps of a ${lenet.digit}: ${lenet.files.featureMaps}`);

// 8. Seeds 004/005: a character-level LSTM language model on Moby Dick, then sampled text.
//    (A 400,000-character slice and 2 epochs keep the demo short; the model sees the full novel
//    with `node examples/char-lm.mjs`.)
const { sample, trainCharLm } = await import('./char-lm.mjs');
console.log('\nMoby Dick: a character-level LSTM (embedding 32, LSTM 256, softmax over the alphabet), 64-step windows');
const lm = await trainCharLm({ epochs: 2, chars: 400_000 });
console.log(`validation loss ${lm.valLoss.toFixed(3)} nats/char after ${lm.seconds.toFixed(0)} s; sampled at temperature 0.8:\n`);
console.log(sample(lm.model, lm.alphabet, 'Call me Ishmael. ', 300));
