// What W10 and W14 share: the case (W5's model and weights served to concurrent callers) and
// how the table shows it. impls/zerodl_serving.mjs runs both.
import w5 from './w5.mjs';

const SECONDS = { full: { durationS: 10, warmupS: 1 }, quick: { durationS: 3, warmupS: 0.5 } };

/** W5's case (model, weights, reference input and prediction) with `callers` callers of `batch` sequences each. */
export function servingCase({ batch, callers }, mode) {
  const base = w5.cases[0];
  const { durationS, warmupS } = SECONDS[mode];
  const quick = mode === 'quick';
  return {
    ...base,
    id: `lstm-h${base.hidden}-t${base.seq}-b${batch}-x${callers}`,
    label: `LSTM ${base.input}-${base.hidden} + dense 1, seq ${base.seq}, ${callers} callers x batch ${batch}, ` +
      `${durationS} s${quick ? ' (quick)' : ''}`,
    batch, callers, durationS, warmupS,
    flops: undefined, // W5's flops are per sequence: no GFLOP/s column for a serving loop
    ...(quick ? { quick: true } : {}),
  };
}

export function servingMethod(c) {
  return `one run per implementation: ${c.callers} callers each await predictAsync on their own seeded ` +
    `[${c.batch}, ${c.seq}, ${c.input}] input in a loop (output read and disposed), ${c.warmupS} s untimed, ` +
    `then ${c.durationS} s timed; the time column is each call's latency; event-loop delay from ` +
    'perf_hooks.monitorEventLoopDelay (1 ms resolution) over the timed part.' +
    (c.quick ? ` QUICK RUN: ${c.durationS} s instead of 10 s, indicative only.` : '');
}

export const servingColumns = [
  { title: 'predictions/s', key: 'predictions_per_s', digits: 0 },
  { title: 'rows/native call', key: 'rows_per_native_call', digits: 1 },
  { title: 'lag p50 ms', key: 'lag_p50_ms', digits: 2 },
  { title: 'lag p99 ms', key: 'lag_p99_ms', digits: 2 },
  { title: 'lag max ms', key: 'lag_max_ms', digits: 1 },
  { title: 'identical %', key: 'results_identical_pct', digits: 1 },
  { title: 'max |diff|', key: 'results_max_abs_diff', digits: 1, exp: true },
];
