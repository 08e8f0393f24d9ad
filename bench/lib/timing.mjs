// Shared pieces for the Node runners (impls/*.mjs, peers/*.mjs): read the plan that
// run.mjs passes as a JSON argument, time a case, and print JSON lines.
// peers/pyrunner.py mirrors timeReps() and runCases() in Python; keep them in step.

/** The plan: {workload, seeds: [a, b], policy: {warmup, minReps, maxReps, targetMs}, cases: [...]}. */
export function readPlan(arg) {
  if (!arg) {
    console.error('usage: <runner> [...] <plan-json>  (normally started by bench/run.mjs)');
    process.exit(2);
  }
  return JSON.parse(arg);
}

// The stopping rule of every rep loop (Node and Python): at least `minReps` samples, then
// more while under `targetMs` of timed work and `maxReps` samples. Fast cases thus get
// many samples (stable medians), slow ones exactly minReps.
function repLoop({ minReps, maxReps, targetMs }) {
  const times = [];
  let total = 0;
  return {
    times,
    more: () => times.length < minReps || (total < targetMs && times.length < maxReps),
    add(t0) {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      times.push(ms);
      total += ms;
    },
  };
}

/** Runs the synchronous fn `warmup` times untimed, then times it per the policy (see repLoop). */
export function timeReps(fn, policy) {
  for (let i = 0; i < policy.warmup; i++) fn();
  const loop = repLoop(policy);
  while (loop.more()) {
    const t0 = process.hrtime.bigint();
    fn();
    loop.add(t0);
  }
  return loop.times;
}

/** timeReps for an async fn: each rep lasts until fn's promise settles (e.g. a training
 *  step run off the JS thread). Reps run one after the other, never overlapping. */
export async function timeRepsAsync(fn, policy) {
  for (let i = 0; i < policy.warmup; i++) await fn();
  const loop = repLoop(policy);
  while (loop.more()) {
    const t0 = process.hrtime.bigint();
    await fn();
    loop.add(t0);
  }
  return loop.times;
}

/**
 * Times training steps: `step()` resolves with the step's loss. Returns the times plus the first
 * and last loss (a sanity check that every implementation learns the same thing), and fails if
 * the loss went non-finite.
 */
export async function timeTrainSteps(step, policy) {
  let first;
  let last;
  const times = await timeRepsAsync(async () => {
    last = await step();
    first ??= last;
  }, policy);
  if (!Number.isFinite(last)) throw new Error(`loss is ${last} after ${times.length} timed steps`);
  return { times_ms: times, loss_first: first, loss_last: last };
}

export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/**
 * For each case of the plan, `timeCase(c)` returns its times (ms), or an object with
 * `times_ms` and any extra fields to record (e.g. the loss before and after, as a sanity
 * check); prints one result line per case: the case's own fields (e.g. m, n, k, flops)
 * plus times_ms, or an `error` instead, so one failing case does not hide the others.
 */
export async function runCases(plan, impl, timeCase) {
  for (const c of plan.cases) {
    const { id, label, ...fields } = c;
    const head = { workload: plan.workload, impl, case: id, ...fields };
    try {
      const out = await timeCase(c);
      emit({ ...head, ...(Array.isArray(out) ? { times_ms: out } : out) });
    } catch (e) {
      emit({ ...head, error: String(e?.message ?? e).split('\n')[0] });
    }
  }
}

/**
 * Times predict calls (W5, W11): `call()` returns, or with `async` resolves to, the model's output
 * for the case's input: one number (W5) or all of them, row-major (W11, whose `expected` is an
 * array). The output must match the case's reference (`expected`, within `tolerance`: for an
 * array, every element) before the first timed call and after the last, else the case fails: a
 * wrong model is never timed. Returns the times plus the distance to the reference and, for one
 * number, the prediction itself.
 */
export async function timePredict(call, c, policy, { async = false } = {}) {
  const vector = Array.isArray(c.expected);
  const check = (value, when) => {
    let error;
    if (vector) {
      if (value?.length !== c.expected.length) {
        throw new Error(`output has ${value?.length} values ${when}, the reference ${c.expected.length}: wrong model`);
      }
      error = 0;
      for (let i = 0; i < value.length; i++) {
        const d = Math.abs(value[i] - c.expected[i]);
        error = Math.max(error, Number.isNaN(d) ? Infinity : d); // a NaN output fails the check
      }
    } else {
      error = Math.abs(value - c.expected);
    }
    if (!(error <= c.tolerance)) {
      throw new Error(`${vector ? 'output' : `prediction ${value}`} ${when} is ${error} off the reference` +
        `${vector ? '' : ` ${c.expected}`} (tolerance ${c.tolerance}): wrong model`);
    }
    return error;
  };
  const prediction = await call();
  const absError = check(prediction, 'before timing');
  let last;
  const timed = async ? async () => { last = await call(); } : () => { last = call(); };
  const times = async ? await timeRepsAsync(timed, policy) : timeReps(timed, policy);
  check(last, 'after timing');
  return vector ? { times_ms: times, max_abs_error: absError } : { times_ms: times, prediction, abs_error: absError };
}
