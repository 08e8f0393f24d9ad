// W8IO (save/load of the W8 model) on zerodl. Usage: node zerodl_w8io.mjs <plan-json>
// The W8 model with the case's weights (lib/zerodl_models.mjs charLm2), compiled with W8's Adam;
// with `includeOptimizer`, one training step first so the optimizer has state to save. A `save`
// rep is `await model.save(file, { includeOptimizer })`; a `load` rep is `await zd.loadModel(file)`
// of a file saved once before. Then, untimed, the file is loaded and compared with the model:
// every weight and one prediction bit for bit (the case fails otherwise). The file lives in a
// temporary folder, removed at the end.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlan, emit, runCases, timeRepsAsync } from '../lib/timing.mjs';
import { labelsF32 } from '../lib/data.mjs';
import { charLm2 } from '../lib/zerodl_models.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

const sameValues = (a, b) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/** Throws unless `loaded` holds `model`'s weights and predicts what it predicts, bit for bit. */
function checkRoundTrip(model, loaded, c) {
  if (!(loaded instanceof zd.Sequential)) throw new Error(`loadModel gave a ${loaded?.constructor?.name}, not a Sequential`);
  const want = model.getWeightValues();
  const got = loaded.getWeightValues();
  for (const [name, { shape, values }] of Object.entries(want)) {
    const g = got[name];
    if (!g || !sameValues(g.shape, shape) || !sameValues(g.values, values)) throw new Error(`loaded weight ${name} differs from the saved one`);
  }
  const x = labelsF32(2 * c.seq, c.vocab, 7);
  if (!sameValues(loaded.predictValues(x, [2, c.seq]), model.predictValues(x, [2, c.seq]))) {
    throw new Error('the loaded model predicts other values than the saved one');
  }
}

await runCases(plan, 'zerodl', async (c) => {
  if (typeof zd.loadModel !== 'function') throw new Error('this zerodl build has no loadModel()');
  const model = charLm2(zd, c);
  model.compile({
    optimizer: zd.optimizers.adam({ learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon }),
    loss: 'sparseCategoricalCrossentropy', clipNorm: c.clipNorm,
  });
  if (c.includeOptimizer) {
    const n = c.batch * c.seq;
    await model.trainOnBatch(zd.tensor(labelsF32(n, c.vocab, 1), [c.batch, c.seq]), zd.tensor(labelsF32(n, c.vocab, 2), [c.batch, c.seq]));
  }
  const dir = mkdtempSync(join(tmpdir(), 'zerodl-bench-w8io-'));
  const file = join(dir, 'w8.safetensors');
  const save = () => model.save(file, { includeOptimizer: c.includeOptimizer });
  try {
    let times;
    if (c.op === 'save') {
      times = await timeRepsAsync(save, plan.policy);
    } else {
      await save();
      times = await timeRepsAsync(() => zd.loadModel(file), plan.policy);
    }
    checkRoundTrip(model, await zd.loadModel(file), c);
    return { times_ms: times, file_mb: statSync(file).size / 2 ** 20, file_bytes: statSync(file).size, round_trip: 'exact' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
