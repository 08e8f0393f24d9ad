// Runs bad-input cases in sequence in this (child) process and reports each as a JSON line on
// stdout after MARK: a "start" line before the case (so a crash names it), an "end" line with
// what it threw or returned, and a "probe" line proving the process still computes (a sync and
// an async matmul). Started by runner.ts with cwd = the repository root and the cases' file in
// ZD_BAD_INPUT_CASES. Writes to a pipe are synchronous on Linux, so every line before a crash
// reaches the parent.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const MARK = '@@bad-input@@ ';
const CASE_TIMEOUT_MS = 20_000;

const emit = (o) => process.stdout.write(`${MARK}${JSON.stringify(o)}\n`);

const zd = require(path.join(process.cwd(), 'dist', 'index.js'));
const datasets = require(path.join(process.cwd(), 'dist', 'datasets', 'index.js'));
const { cases, capHuge } = JSON.parse(fs.readFileSync(process.env.ZD_BAD_INPUT_CASES, 'utf8'));

// On a machine whose default per-buffer limit would allow the 40 GB of a 1e5 x 1e5 tensor, the
// huge cases would allocate it: lower the limit (as memory.spec.ts does) so they stay over it.
const baseLimit = capHuge && zd.getMaxTensorBytes() >= 4e10 ? 2 ** 33 : null;
zd.setMaxTensorBytes(baseLimit);

const L = zd.layers;

/** Helpers the cases use as `h`. Small models, all seeded. */
const h = {
  /** dense 3 -> 4 (relu) -> 2, not compiled. */
  mlp: () => new zd.Sequential([L.dense({ units: 4, inputShape: [3], activation: 'relu' }), L.dense({ units: 2 })], { seed: 1 }),
  /** The same, compiled with `loss` (default meanSquaredError) and sgd, plus `extra` compile options. */
  compiled: (loss = 'meanSquaredError', extra = {}) => {
    const m = h.mlp();
    m.compile({ optimizer: 'sgd', loss, ...extra });
    return m;
  },
  /** A recurrent layer of `kind` over [5, 3] (units 4, plus `options`) and dense 2; not compiled. */
  rnn: (kind = 'lstm', options = {}) => new zd.Sequential([L[kind]({ units: 4, inputShape: [5, 3], ...options }), L.dense({ units: 2 })], { seed: 1 }),
  /** The same, compiled with meanSquaredError and sgd. */
  compiledRnn: (kind = 'gru', options = {}) => {
    const m = h.rnn(kind, options);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return m;
  },
  /** Inputs and targets for h.mlp(): 5 samples. */
  X: () => zd.ones([5, 3]),
  Y: () => zd.ones([5, 2]),
  /** Inputs and targets for h.rnn(): 2 sequences. */
  SX: () => zd.ones([2, 5, 3]),
  SY: () => zd.ones([2, 2]),
  /** A tensor of `shape`, already disposed. */
  disposed: (shape = [2, 2]) => {
    const t = zd.ones(shape);
    t.dispose();
    return t;
  },
  /** A compiled h.mlp()'s description, for fromConfig cases to spoil. */
  config: () => h.compiled('meanSquaredError').toJSON(),
  /** Sequential.fromConfig of h.config() after `spoil(config)`. */
  fromSpoiled: (spoil) => {
    const c = h.config();
    spoil(c);
    return zd.Sequential.fromConfig(c);
  },
  /** Runs f with the per-buffer limit at `bytes`, then restores it (also after a rejection). */
  withLimit: (bytes, f) => {
    zd.setMaxTensorBytes(bytes);
    let result;
    try {
      result = f();
    } catch (err) {
      zd.setMaxTensorBytes(baseLimit);
      throw err;
    }
    if (result && typeof result.then === 'function') return result.finally(() => zd.setMaxTensorBytes(baseLimit));
    zd.setMaxTensorBytes(baseLimit);
    return result;
  },
  /** The four logic-gate samples of the seed series. */
  GATES: [[1, 1], [0, 0], [1, 0], [0, 1]],
};

const AsyncFunction = (async () => {}).constructor;

function compile(code) {
  const body = code.trimStart().startsWith('{') ? code.trim().slice(1, -1) : `return (${code});`;
  const Ctor = /\bawait\b/.test(code) ? AsyncFunction : Function;
  return new Ctor('zd', 'h', 'datasets', body);
}

function summarize(value) {
  if (value instanceof zd.Tensor) return { tensor: value.isDisposed ? 'disposed' : [...value.shape] };
  if (value instanceof Float32Array) return { float32Array: value.length };
  let json;
  try {
    json = JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? `${v}n` : v));
  } catch {
    json = undefined;
  }
  return { json: (json ?? String(value)).slice(0, 300) };
}

function describeError(err, via) {
  const isError = err instanceof Error;
  return {
    thrown: true,
    via,
    isZerodlError: err instanceof zd.ZerodlError,
    code: isError ? err.code : undefined,
    className: isError ? err.constructor.name : typeof err,
    errName: isError ? err.name : undefined,
    message: isError ? String(err.message) : String(err),
  };
}

let current = null;
process.on('unhandledRejection', (reason) => {
  emit({ type: 'unhandled', name: current, kind: 'unhandledRejection', message: reason instanceof Error ? `${reason.constructor.name}: ${reason.message}` : String(reason) });
});
process.on('uncaughtException', (err) => {
  emit({ type: 'unhandled', name: current, kind: 'uncaughtException', message: err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err) });
});

async function runCase(c) {
  let f;
  try {
    f = compile(c.code);
  } catch (err) {
    return { thrown: false, harnessError: `the case does not compile: ${err.message}` };
  }
  let result;
  try {
    result = f(zd, h, datasets);
  } catch (err) {
    return describeError(err, 'sync');
  }
  if (!result || typeof result.then !== 'function') return { thrown: false, value: summarize(result) };
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ thrown: false, timedOut: true }), CASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([result.then((v) => ({ thrown: false, value: summarize(v) }), (err) => describeError(err, 'async')), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function probe() {
  const a = zd.tensor([[1, 2], [3, 4]]);
  const sync = zd.matmul(a, a).toArray();
  const viaWorker = (await zd.matmulAsync(a, a)).toArray();
  const want = '[[7,10],[15,22]]';
  if (JSON.stringify(sync) !== want || JSON.stringify(viaWorker) !== want) {
    throw new Error(`matmul gave ${JSON.stringify(sync)} and matmulAsync ${JSON.stringify(viaWorker)}, expected ${want}`);
  }
}

(async () => {
  for (const c of cases) {
    current = c.name;
    emit({ type: 'start', name: c.name });
    const t0 = Date.now();
    const outcome = await runCase(c);
    emit({ type: 'end', name: c.name, ...outcome, ms: Date.now() - t0 });
    try {
      // Whatever a case left behind (a lowered limit) must not leak into the next one.
      zd.setMaxTensorBytes(baseLimit);
      await probe();
      emit({ type: 'probe', name: c.name, ok: true });
    } catch (err) {
      emit({ type: 'probe', name: c.name, ok: false, error: err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err) });
    }
  }
  current = null;
  emit({ type: 'done' });
  // Exit on our own once idle, but not before: a crash while the process winds down (a native
  // finalizer) still shows as a signal. A handle some case left open must not hang the suite.
  setTimeout(() => process.exit(0), 5_000).unref();
})();
