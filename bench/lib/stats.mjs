// Summary statistics for a list of per-repetition times (ms).

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarize(timesMs) {
  return {
    reps: timesMs.length,
    median: median(timesMs),
    // A loop, not Math.min(...xs): W14 records >100,000 call latencies, past the argument limit.
    min: timesMs.reduce((a, b) => Math.min(a, b), Infinity),
    max: timesMs.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}

/** GFLOP/s for `flops` floating-point operations done in `ms` milliseconds. */
export function gflops(flops, ms) {
  return flops / (ms * 1e6);
}
