// W14: serving with dynamic batching (BENCHMARKS.md): W5's model, 64 concurrent callers of
// single-sequence `await model.predictAsync(x)` ([1, 32, 16]) in a loop for 10 s, with
// predictAsync's default batching (the zerodl row) and one call at a time (`setBatching({
// maxBatchSize: 1 })`, the zerodl-1-at-a-time row). The zerodl/peer speed is the ratio of
// predictions/s. Target: >= 4x, each result equal to its one-at-a-time result: every timed result
// is compared with its input's result computed alone, and the comparison is printed.
// `--quick` serves for 3 s per row and says so.
import { zerodlImpl } from '../lib/impls.mjs';
import { servingColumns, servingMethod, servingCase } from './serving.mjs';

const SPEEDUP_MIN = 4;
const ONE_AT_A_TIME = 'zerodl-1-at-a-time';
// Predictions are ~0.1-1: float32's spacing there is 7e-9-6e-8; a wrong row would be ~1e-2 off.
const SAME_MAX_ABS_DIFF = 1e-6;

export default {
  id: 'W14',
  title: 'serving with dynamic batching: 64 concurrent single-sequence predictAsync callers (W5 model)',
  configure(values, mode) {
    const c = servingCase({ batch: 1, callers: 64 }, mode);
    return {
      ...this,
      cases: [c],
      method: `${servingMethod(c)} zerodl/peer speed = zerodl predictions/s / peer predictions/s.`,
      // A full run's ratio is from one 10 s run of each row; minReps only keeps analyse's quick flag off.
      policy: mode === 'quick' ? this.policy : { ...this.policy, minReps: 10 },
      targets: [
        { title: `>= ${SPEEDUP_MIN}x the predictions/s of one-at-a-time calls`, case: c.id, peer: ONE_AT_A_TIME, min: SPEEDUP_MIN },
        // Equal to float32 rounding: a batch of 64 runs other kernels than one sequence alone
        // (ts/serving/batcher.ts), so the last bits may differ; the identical % column says how often.
        { title: `every timed result equal to its one-at-a-time result (to float32 rounding: |diff| < ${SAME_MAX_ABS_DIFF.toExponential(0)})`,
          case: c.id, key: 'results_max_abs_diff', name: 'max |batched - alone|', max: SAME_MAX_ABS_DIFF, exp: true, digits: 1 },
      ],
    };
  },
  cases: [], // made by configure()
  policy: { rounds: 1 },
  rateKey: 'predictions_per_s',
  headers: { reps: 'calls', median: 'median ms/call (min-max)' },
  columns: servingColumns,
  notes: ['rows/native call: how many callers\' sequences went into one native call (1 one at a time)',
    'identical %: timed results bit-identical to their input\'s one-at-a-time result; max |diff|: the largest ' +
      'difference of any timed result from it (a batch runs other kernels than one sequence alone, which round differently)'],
  impls: [
    { ...zerodlImpl('impls/zerodl_serving.mjs'), args: ['batched'] },
    { ...zerodlImpl('impls/zerodl_serving.mjs'), name: ONE_AT_A_TIME, args: ['one-at-a-time'] },
  ],
};
