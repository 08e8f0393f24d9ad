// W10 (serving) and W14 (dynamic batching) on zerodl. Usage:
//   node zerodl_serving.mjs [batched|one-at-a-time] <plan-json>
// The case's W5 model (lib/zerodl_models.mjs lstmRegressor, the case's seeded weights, checked
// against W5's float64 reference prediction first) serves `callers` concurrent callers, each
// awaiting `model.predictAsync(x)` on its own seeded input [batch, seq, input] in a loop, reading
// the output (toFloat32Array) and disposing it, as a service's request handlers would: first for
// `warmupS` seconds untimed, then for `durationS` seconds timed, with perf_hooks'
// monitorEventLoopDelay sampling the event loop every millisecond.
// `batched`: predictAsync's default dynamic batching; `one-at-a-time`: setBatching({ maxBatchSize: 1 }).
// Before the loops each input's one-at-a-time result is computed (calls awaited one by one, so
// each runs alone); every result of the timed loop is compared with it.
// Record: per-call latencies (times_ms), calls/s and predictions/s (rows: calls x batch), rows
// per native call, event-loop delay p50/p99/max (ms), and the comparison.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { readPlan, emit, runCases } from '../lib/timing.mjs';
import { seededParams } from '../lib/data.mjs';
import { lstmRegressor } from '../lib/zerodl_models.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const mode = process.argv[2];
if (mode !== 'batched' && mode !== 'one-at-a-time') {
  console.error('usage: node zerodl_serving.mjs [batched|one-at-a-time] <plan-json>');
  process.exit(2);
}
const plan = readPlan(process.argv[3]);
const { zd, meta } = loadZerodl();
const impl = mode === 'batched' ? 'zerodl' : 'zerodl-1-at-a-time';
emit({ meta: { ...meta, impl, batching: mode === 'batched' ? 'default' : 'setBatching({ maxBatchSize: 1 })' } });

const ms = (ns) => ns / 1e6;

await runCases(plan, impl, async (c) => {
  const model = lstmRegressor(zd, c);
  // The right model: W5's input gives W5's float64 reference prediction.
  const w5 = model.predictValues(seededParams(c.inputSpec, c.inputSeed).x, [1, c.seq, c.input])[0];
  if (!(Math.abs(w5 - c.expected) <= c.tolerance)) {
    throw new Error(`prediction ${w5} is ${Math.abs(w5 - c.expected)} off W5's reference ${c.expected}: wrong model`);
  }
  if (mode === 'one-at-a-time') {
    if (typeof model.setBatching !== 'function') throw new Error('this zerodl build has no model.setBatching()');
    model.setBatching({ maxBatchSize: 1 });
  }
  const shape = [c.batch, c.seq, c.input];
  const inputs = Array.from({ length: c.callers }, (_, i) =>
    zd.tensor(seededParams([{ name: 'x', shape, bound: 1 }], c.inputSeed + 1 + i).x, shape));

  // Each input's one-at-a-time result: awaited one by one, each call finds the model idle and
  // runs alone whatever the batching settings.
  const alone = [];
  for (const x of inputs) {
    const y = await model.predictAsync(x);
    alone.push(y.toFloat32Array());
    y.dispose();
  }

  const check = { checked: 0, identical: 0, maxAbsDiff: 0 };
  const compare = (got, want) => {
    let same = true;
    for (let k = 0; k < want.length; k++) {
      const d = Math.abs(got[k] - want[k]);
      if (got[k] !== want[k]) same = false;
      if (!(d <= check.maxAbsDiff)) check.maxAbsDiff = Number.isNaN(d) ? Infinity : d;
    }
    check.checked++;
    if (same) check.identical++;
  };

  /** The callers' loops for `seconds`; per-call latencies (ms) and the wall time until all ended. */
  const serve = async (seconds, timed) => {
    const latencies = [];
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(inputs.map(async (x, i) => {
      while (performance.now() < deadline) {
        const s = performance.now();
        const y = await model.predictAsync(x);
        const values = y.toFloat32Array();
        y.dispose();
        if (timed) {
          latencies.push(Math.round((performance.now() - s) * 1000) / 1000);
          compare(values, alone[i]);
        }
      }
    }));
    return { latencies, seconds: (performance.now() - t0) / 1000 };
  };

  await serve(c.warmupS, false);
  const nativeBefore = model.batchingStats?.nativeCalls;
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const { latencies, seconds } = await serve(c.durationS, true);
  lag.disable();
  const nativeCalls = model.batchingStats ? model.batchingStats.nativeCalls - nativeBefore : undefined;
  for (const x of inputs) x.dispose();

  const calls = latencies.length;
  return {
    times_ms: latencies,
    calls, seconds,
    calls_per_s: calls / seconds,
    predictions_per_s: (calls * c.batch) / seconds,
    native_calls: nativeCalls,
    rows_per_native_call: nativeCalls ? (calls * c.batch) / nativeCalls : undefined,
    lag_p50_ms: ms(lag.percentile(50)), lag_p99_ms: ms(lag.percentile(99)), lag_max_ms: ms(lag.max),
    lag_samples: lag.count,
    results_checked: check.checked, results_identical: check.identical,
    results_identical_pct: (100 * check.identical) / check.checked,
    results_max_abs_diff: check.maxAbsDiff,
  };
});
