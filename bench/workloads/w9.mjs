// W9: memory over long training (BENCHMARKS.md): W2's step (MLP 784-256-128-10, batch 128, SGD)
// and W4's (LSTM char LM: one-hot 65, hidden 256, seq 64, batch 32, dense 65 + softmax CE at
// every step, SGD), each for 10,000 steps in a process of its own, as users run them (`await
// model.trainOnBatch(x, y)`, no forced GC). Reported: RSS after step 1,000 (warmed up: buffers,
// thread pool, JIT) and after step 10,000, the growth between them, and the process's peak RSS.
// Target: growth < 5%. `--quick` runs 1,000 steps (RSS at 100 and 1,000) and says so.
import { zerodlImpl } from '../lib/impls.mjs';
import w2 from './w2.mjs';
import w4 from './w4.mjs';

const STEPS = { full: { warm: 1000, total: 10000 }, quick: { warm: 100, total: 1000 } };
const GROWTH_MAX_PCT = 5;

const fmt = (n) => n.toLocaleString('en-US');

function longRun(base, model, title, { warm, total }, quick) {
  return {
    ...base,
    id: `${model}-${total}-steps`,
    label: `${title} x ${fmt(total)} steps${quick ? ' (quick)' : ''}`,
    model, warmSteps: warm, steps: total,
    ...(quick ? { quick: true } : {}),
  };
}

export default {
  id: 'W9',
  title: 'memory over long training (W2 and W4 steps, RSS growth and peak)',
  configure(values, mode) {
    const steps = STEPS[mode];
    const quick = mode === 'quick';
    const cases = [
      longRun(w2.cases[0], 'mlp', 'W2 MLP 784-256-128-10 train step, batch 128', steps, quick),
      longRun(w4.cases[0], 'lstm', 'W4 LSTM 256 char-LM train step, batch 32', steps, quick),
    ];
    return {
      ...this,
      cases,
      method: `one run per case, each in a fresh process: ${fmt(steps.total)} training steps ` +
        '(`await model.trainOnBatch(x, y)` on one seeded batch, SGD), RSS read after every 100th; ' +
        `growth = RSS after step ${fmt(steps.total)} / RSS after step ${fmt(steps.warm)} - 1; peak = the ` +
        'process\'s maximum RSS (getrusage). The time column is ms per step over all steps.' +
        (quick ? ` QUICK RUN: ${fmt(steps.total)} steps instead of 10,000, indicative only.` : ''),
      columns: [
        { title: `RSS MB @${fmt(steps.warm)}`, key: 'rss_warm_mb', digits: 1 },
        { title: `RSS MB @${fmt(steps.total)}`, key: 'rss_end_mb', digits: 1 },
        { title: 'growth %', key: 'rss_growth_pct', digits: 2 },
        { title: 'peak RSS MB', key: 'rss_peak_mb', digits: 1 },
        { title: 'loss last', key: 'loss_last', digits: 4 },
      ],
      targets: cases.map((c) => ({
        title: `RSS growth < ${GROWTH_MAX_PCT}% from step ${fmt(steps.warm)} to ${fmt(steps.total)}`,
        case: c.id, key: 'rss_growth_pct', name: 'RSS growth', max: GROWTH_MAX_PCT, unit: '%',
      })),
    };
  },
  cases: [], // made by configure()
  // One run of every case; the runner starts a process per case, so each case's RSS is its own.
  policy: { rounds: 1 },
  headers: { reps: 'steps', median: 'median ms/step (min-max)' },
  notes: ['RSS includes the Node runtime (~40-60 MB) and the model, its optimizer state and its batch; ' +
    'the RSS column after every 100th step is kept in results/*.json (rss_every_100_mb)'],
  impls: [zerodlImpl('impls/zerodl_w9.mjs')],
};
