// W10: serving (BENCHMARKS.md): W5's model (LSTM 16-128 + dense 1, seq 32, W5's seeded weights)
// behind 4 concurrent callers of `await model.predictAsync(x)` on batches of 32 sequences, in a
// loop for 10 s. The predictions run off the JS thread; what the event loop still does (queueing
// and joining the calls, reading and freeing the outputs) must leave it responsive.
// Reported: predictions/s (sequences) and the event-loop delay (perf_hooks.monitorEventLoopDelay,
// sampled every 1 ms). Target: delay p99 < 10 ms. `--quick` serves for 3 s and says so.
import { zerodlImpl } from '../lib/impls.mjs';
import { servingColumns, servingMethod, servingCase } from './serving.mjs';

const LAG_P99_MAX_MS = 10;

export default {
  id: 'W10',
  title: 'serving: 4 concurrent callers of predictAsync (W5 model, batch 32)',
  configure(values, mode) {
    const c = servingCase({ batch: 32, callers: 4 }, mode);
    return {
      ...this,
      cases: [c],
      method: servingMethod(c),
      targets: [{ title: `event-loop delay p99 < ${LAG_P99_MAX_MS} ms while predictions run`, case: c.id,
        key: 'lag_p99_ms', name: 'event-loop delay p99', max: LAG_P99_MAX_MS, unit: ' ms' }],
    };
  },
  cases: [], // made by configure()
  policy: { rounds: 1 },
  headers: { reps: 'calls', median: 'median ms/call (min-max)' },
  columns: servingColumns,
  notes: ['predictions/s counts sequences (calls x 32); rows/native call: how many sequences predictAsync\'s ' +
    'dynamic batching (default settings) put in one native call',
    'identical %: timed results bit-identical to their input\'s one-at-a-time result; max |diff|: the largest difference'],
  impls: [{ ...zerodlImpl('impls/zerodl_serving.mjs'), args: ['batched'] }],
};
