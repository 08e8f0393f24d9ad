// Turns raw runner output into per-case statistics, zerodl/peer ratios and target
// verdicts (lib/render.mjs turns the result into text and markdown).
import { summarize, gflops } from './stats.mjs';

export const REF = 'zerodl';
export const MIN_REPS = 10; // BENCHMARKS.md: fewer than this is not a publishable number
export const BUSY_PCT = 5; // other CPU load (% of all cores) above which a runner is flagged

/** Did other processes load the machine while this runner ran (lib/cpuload.mjs)? */
export const isBusy = (o) => Boolean(o?.load && o.load.other_cpu_pct > BUSY_PCT);

/**
 * def: a workload definition (workloads/*.mjs).
 * outcomes: impl name -> {status: 'ok'|'failed'|'unavailable', note?, meta, records, skipped}
 * for every impl that was asked for.
 */
export function analyse(def, outcomes, policy) {
  const cases = def.cases.map((c) => {
    const results = [];
    for (const { name } of def.impls) {
      const o = outcomes[name];
      const rec = o?.records.find((r) => r.case === c.id);
      if (rec?.error) {
        results.push({ impl: name, status: 'error', note: rec.error });
      } else if (rec) {
        const s = summarize(rec.times_ms);
        results.push({ impl: name, status: 'ok', ...s,
          gflops: c.flops ? gflops(c.flops, s.median) : null, times_ms: rec.times_ms });
      } else if (o?.skipped?.[c.id]) {
        results.push({ impl: name, status: 'skipped', note: o.skipped[c.id] });
      }
    }
    // Same case, same run: the speed ratio is the inverse ratio of the median times.
    const ref = results.find((r) => r.impl === REF && r.status === 'ok');
    for (const r of results) {
      if (ref && r.status === 'ok' && r.impl !== REF) r.ratio = r.median / ref.median;
    }
    return { id: c.id, label: c.label, flops: c.flops, results };
  });

  const okResult = (caseId, impl) =>
    cases.find((c) => c.id === caseId)?.results.find((r) => r.impl === impl && r.status === 'ok');
  const targets = def.targets.map((t) => {
    const z = okResult(t.case, REF);
    const p = okResult(t.case, t.peer);
    const label = cases.find((c) => c.id === t.case)?.label ?? t.case;
    if (!z || !p) return { ...t, label, verdict: 'n/a', note: `${z ? t.peer : REF} not measured` };
    const ratio = p.median / z.median;
    const indicative = policy.rounds * policy.minReps < MIN_REPS || Math.min(z.reps, p.reps) < MIN_REPS;
    const busy = [REF, t.peer].some((name) => isBusy(outcomes[name]));
    return { ...t, label, ratio, verdict: ratio >= t.min ? 'PASS' : 'MISS', indicative, busy };
  });

  const impls = Object.fromEntries(Object.entries(outcomes).map(([name, o]) =>
    [name, { status: o.status, note: o.note, meta: o.meta, load: o.load }]));
  return { id: def.id, title: def.title, policy, impls, cases, targets };
}
