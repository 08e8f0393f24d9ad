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
        // Fields a runner added beyond the case's own (e.g. W2's loss_first, loss_last).
        const { workload, impl, case: _, times_ms, ...rest } = rec;
        const extra = Object.fromEntries(Object.entries(rest).filter(([k]) => !(k in c)));
        results.push({ impl: name, status: 'ok', ...s,
          gflops: c.flops ? gflops(c.flops, s.median) : null, ...extra, times_ms });
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

  const caseResult = (caseId, impl) => cases.find((c) => c.id === caseId)?.results.find((r) => r.impl === impl);
  const okResult = (caseId, impl) => {
    const r = caseResult(caseId, impl);
    return r?.status === 'ok' ? r : undefined;
  };
  // Why an impl has no number for a case: not run (--only), unavailable, failed, skipped.
  const whyMissing = (caseId, impl) => {
    const o = outcomes[impl];
    const why = !o ? 'not run' : o.status !== 'ok' ? o.note : caseResult(caseId, impl)?.note;
    return `${impl} not measured${why ? ` (${why})` : ''}`;
  };
  // t.peer: one impl, or a list meaning the fastest of them that was measured.
  const targets = def.targets.map((t) => {
    const label = cases.find((c) => c.id === t.case)?.label ?? t.case;
    const names = [t.peer].flat();
    const measured = names.filter((name) => okResult(t.case, name));
    const missing = names.filter((name) => !measured.includes(name)).map((name) => whyMissing(t.case, name));
    // For a list: which of its peers were compared, and why the others were not.
    const group = Array.isArray(t.peer) ? { peers: measured, ...(missing.length ? { note: missing.join('; ') } : {}) } : {};
    const z = okResult(t.case, REF);
    const p = measured.map((name) => okResult(t.case, name)).sort((a, b) => a.median - b.median)[0];
    if (!z || !p) {
      return { ...t, label, verdict: 'n/a', note: !z ? whyMissing(t.case, REF) : missing.join('; ') };
    }
    const ratio = p.median / z.median;
    const indicative = policy.rounds * policy.minReps < MIN_REPS || Math.min(z.reps, p.reps) < MIN_REPS;
    const busy = [REF, p.impl].some((name) => isBusy(outcomes[name]));
    return { ...t, ...group, peer: p.impl, label, ratio, verdict: ratio >= t.min ? 'PASS' : 'MISS', indicative, busy };
  });

  const impls = Object.fromEntries(Object.entries(outcomes).map(([name, o]) =>
    [name, { status: o.status, note: o.note, meta: o.meta, load: o.load }]));
  return { id: def.id, title: def.title, policy, impls, cases, targets };
}
