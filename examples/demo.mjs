// The main demo (`npm run demo`). For now: real tensor work on the native core. It grows into the
// training demo (MNIST, char-level LSTM) as the model families land.
import { performance } from 'node:perf_hooks';
import * as zd from '../dist/index.mjs';

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

// 2. The seed's chapter 2 problem, solved with tensor ops: fit salary = w * years + b by batch
//    gradient descent on E = 1/2 sum (t - y)^2 (the seed's data: years of work -> monthly salary).
const years = zd.tensor([[5], [3], [8], [1.4], [10.1]]);
const salary = zd.tensor([[5500], [2300], [7600], [1800], [11400]]);
let w = zd.zeros([1, 1]);
let b = zd.zeros([1]);
const lr = 0.01;
for (let epoch = 1; epoch <= 2000; epoch++) {
  const y = zd.add(zd.matmul(years, w), b);
  const err = zd.sub(salary, y); // t - y
  const gradW = zd.matmul(years, err, { transposeA: true }); // sum x (t - y)
  const gradB = zd.sum(err, 0);
  w = zd.add(w, zd.mul(gradW, lr / 5));
  b = zd.add(b, zd.mul(gradB, lr / 5));
  if (epoch % 500 === 0) {
    const loss = (zd.sum(zd.mul(err, err)).toArray() / 2).toFixed(0);
    console.log(`\nlinear unit, epoch ${epoch}: E = ${loss}`);
  }
}
const [[wv]] = w.toArray();
const [bv] = b.toArray();
console.log(`  fitted salary = ${wv.toFixed(1)} * years + ${bv.toFixed(1)}`);
for (const yrs of [3.4, 15, 1.5, 6.3]) {
  const pred = zd.add(zd.matmul(zd.tensor([[yrs]]), w), b).toArray()[0][0];
  console.log(`  ${String(yrs).padStart(4)} years -> ${pred.toFixed(0)} per month`);
}

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
