// Turns raw runner output into per-case statistics, zerodl/peer ratios and target
// verdicts (lib/render.mjs turns the result into text and markdown).
import { summarize, gflops } from './stats.mjs';

export const REF = 'zerodl';
export const MIN_REPS = 10; // BENCHMARKS.md: fewer than this is not a publishable number
export const BUSY_PCT = 5; // other CPU load (% of all cores) above which a runner is flagged

/** A result's speed: 1 / median time, or for a workload with a `rateKey` (W8's steps_per_s:
 *  steps done in a wall budget) that rate. zerodl/peer ratios are ratios of speeds. */
const speed = (def, r) => (def.rateKey ? r[def.rateKey] : 1 / r.median);
const speedRatio = (def, z, p) => speed(def, z) / speed(def, p);

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
    // Same case, same run: zerodl speed / peer speed.
    const ref = results.find((r) => r.impl === REF && r.status === 'ok');
    for (const r of results) {
      if (ref && r.status === 'ok' && r.impl !== REF) r.ratio = speedRatio(def, ref, r);
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
  const indicativeReps = (...rs) =>
    policy.rounds * policy.minReps < MIN_REPS || Math.min(...rs.map((r) => r.reps)) < MIN_REPS;
  // An absolute target (t.maxMs): zerodl's median must not exceed it.
  const absolute = (t, label) => {
    const z = okResult(t.case, REF);
    if (!z) return { ...t, label, verdict: 'n/a', note: whyMissing(t.case, REF) };
    return { ...t, label, value: z.median, verdict: z.median <= t.maxMs ? 'PASS' : 'MISS',
      indicative: indicativeReps(z), busy: isBusy(outcomes[REF]) };
  };
  // A metric target (t.key): a value the runner recorded (W9's RSS growth, W10's event-loop lag),
  // below t.max or at least t.min. A case run with fewer steps or seconds than BENCHMARKS.md asks
  // for (--quick) says so (its `quick`), and its verdict is indicative.
  const metric = (t, label) => {
    const impl = t.impl ?? REF;
    const r = okResult(t.case, impl);
    if (!r) return { ...t, label, verdict: 'n/a', note: whyMissing(t.case, impl) };
    const value = r[t.key];
    const met = t.max !== undefined ? value < t.max : value >= t.min;
    return { ...t, impl, label, value, verdict: Number.isFinite(value) && met ? 'PASS' : 'MISS',
      indicative: Boolean(def.cases.find((c) => c.id === t.case)?.quick), busy: isBusy(outcomes[impl]) };
  };
  // t.peer: one impl, or a list meaning the fastest of them that was measured.
  const targets = (def.targets ?? []).map((t) => {
    const label = cases.find((c) => c.id === t.case)?.label ?? t.case;
    if (t.key !== undefined) return metric(t, label);
    if (t.maxMs !== undefined) return absolute(t, label);
    const names = [t.peer].flat();
    const measured = names.filter((name) => okResult(t.case, name));
    const missing = names.filter((name) => !measured.includes(name)).map((name) => whyMissing(t.case, name));
    // For a list: which of its peers were compared, and why the others were not.
    const group = Array.isArray(t.peer) ? { peers: measured, ...(missing.length ? { note: missing.join('; ') } : {}) } : {};
    const z = okResult(t.case, REF);
    const p = measured.map((name) => okResult(t.case, name)).sort((a, b) => speed(def, b) - speed(def, a))[0];
    if (!z || !p) {
      return { ...t, label, verdict: 'n/a', note: !z ? whyMissing(t.case, REF) : missing.join('; ') };
    }
    const ratio = speedRatio(def, z, p);
    const indicative = indicativeReps(z, p);
    const busy = [REF, p.impl].some((name) => isBusy(outcomes[name]));
    return { ...t, ...group, peer: p.impl, label, ratio, verdict: ratio >= t.min ? 'PASS' : 'MISS', indicative, busy };
  });

  const impls = Object.fromEntries(Object.entries(outcomes).map(([name, o]) =>
    [name, { status: o.status, note: o.note, meta: o.meta, load: o.load }]));
  // Presentation a workload may set (lib/render.mjs): time unit, extra columns, notes, and a
  // description of its method replacing the rep-loop one.
  const { unit = 'ms', columns = [], headers = {}, notes = [], method } = def;
  return { id: def.id, title: def.title, policy, impls, cases, targets, unit, columns, headers, notes, method };
}
