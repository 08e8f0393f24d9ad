// Shared pieces for the Node runners (impls/*.mjs, peers/*.mjs): read the plan that
// run.mjs passes as a JSON argument, time a case, and print JSON lines.
// peers/numpy_w1.py mirrors timeReps() in Python; keep the two in step.

/** The plan: {workload, seeds: [a, b], policy: {warmup, minReps, maxReps, targetMs}, cases: [...]}. */
export function readPlan(arg) {
  if (!arg) {
    console.error('usage: <runner> [...] <plan-json>  (normally started by bench/run.mjs)');
    process.exit(2);
  }
  return JSON.parse(arg);
}

/**
 * Runs fn `warmup` times untimed, then times it until it has at least `minReps`
 * samples and either `targetMs` of timed work or `maxReps` samples. Fast cases thus
 * get many samples (stable medians), slow ones exactly minReps.
 */
export function timeReps(fn, { warmup, minReps, maxReps, targetMs }) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  let total = 0;
  while (times.length < minReps || (total < targetMs && times.length < maxReps)) {
    const t0 = process.hrtime.bigint();
    fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    times.push(ms);
    total += ms;
  }
  return times;
}

export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/**
 * For each case of the plan, `timeCase(c)` returns its times (ms); prints one result
 * line per case: the case's own fields (e.g. m, n, k, flops) plus times_ms, or an
 * `error` instead, so one failing case does not hide the others.
 */
export async function runCases(plan, impl, timeCase) {
  for (const c of plan.cases) {
    const { id, label, ...fields } = c;
    const head = { workload: plan.workload, impl, case: id, ...fields };
    try {
      emit({ ...head, times_ms: await timeCase(c) });
    } catch (e) {
      emit({ ...head, error: String(e?.message ?? e).split('\n')[0] });
    }
  }
}
