#!/usr/bin/env node
// Benchmark orchestrator: `npm run bench [-- W1 ...] [--quick] [--only=a,b] [--include-slow]`
// Runs every implementation of each workload in its own subprocess, one after the
// other (so thread pools and JITs never share the cores), then prints one table per
// workload with zerodl/peer ratios and writes bench/results/{latest|partial}.{json,md}.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, RESULTS_DIR, ZERODL_ENTRY } from './lib/paths.mjs';
import { machineFacts } from './lib/machine.mjs';
import { runJsonLines } from './lib/proc.mjs';
import { startCpuWatch } from './lib/cpuload.mjs';
import { summarize } from './lib/stats.mjs';
import { analyse, BUSY_PCT } from './lib/analyse.mjs';
import { renderText, renderMarkdown } from './lib/render.mjs';
import { ensureVenv, missingOptional } from './setup.mjs';
import { WORKLOADS } from './workloads/index.mjs';

// Per round and case: warm-ups, then at least minReps timed reps, more while under
// targetMs (see lib/timing.mjs); a workload's `policy` overrides keys of these. Full
// runs measure every impl in 4 rounds, alternating forward and reverse order, so the
// machine's swings in speed (a VM's second core comes and goes) hit zerodl and its
// peers alike; the rounds' times are pooled (>= 12 reps).
const POLICIES = {
  full: { rounds: 4, warmup: 2, minReps: 3, maxReps: 50, targetMs: 250 },
  quick: { rounds: 1, warmup: 1, minReps: 3, maxReps: 20, targetMs: 50 },
};
const SEEDS = [1, 2]; // A and B; every implementation draws its inputs from these

// Options of one workload (e.g. W8's --w8-budget): each workload declares its own as
// {name: {value, help}} (string-valued) and reads them in its configure(values, mode).
const WORKLOAD_OPTIONS = Object.fromEntries(Object.values(WORKLOADS).flatMap((d) => Object.entries(d.options ?? {})));

const USAGE = `usage: node bench/run.mjs [W1 ...] [--quick] [--only=impl,...] [--include-slow]
  W1 ...          workloads to run (default: all: ${Object.keys(WORKLOADS).join(' ')})
  --quick         few reps, for a smoke run (results marked indicative)
  --only=a,b      run only these implementations (e.g. --only=zerodl,numpy)
  --include-slow  also run cases skipped by default as too slow for a peer
${Object.entries(WORKLOAD_OPTIONS).map(([name, o]) => `  ${`--${name}=${o.value}`.padEnd(15)} ${o.help}`).join('\n')}`;

function parseCli() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'include-slow': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...Object.fromEntries(Object.keys(WORKLOAD_OPTIONS).map((name) => [name, { type: 'string' }])),
    },
  });
  if (values.help) { console.log(USAGE); process.exit(0); }
  const ids = positionals.length ? positionals.map((w) => w.toUpperCase()) : Object.keys(WORKLOADS);
  const unknown = ids.filter((id) => !WORKLOADS[id]);
  if (unknown.length) {
    console.error(`unknown workload(s): ${unknown.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return {
    ids,
    values,
    quick: values.quick,
    only: values.only ? values.only.split(',').map((s) => s.trim()) : null,
    includeSlow: values['include-slow'],
  };
}

// The venv is made at most once per run, and only if a Python peer is asked for.
let venv;
function venvPython() {
  if (!venv) {
    try {
      venv = { python: ensureVenv() };
    } catch (e) {
      venv = { error: `Python venv unavailable (${e.message}); try node bench/setup.mjs` };
    }
  }
  return venv;
}

const resolvable = (name) => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};

/** {cmd, args} to start an implementation's runner, or {unavailable: why}. */
function launcher(impl) {
  if (impl.needsZerodl && !existsSync(ZERODL_ENTRY)) {
    return { unavailable: 'zerodl not built: run npm run build' };
  }
  // A Node peer from the devDependencies (e.g. onnxruntime-node) not installed yet.
  if (impl.needsModule && !resolvable(impl.needsModule)) {
    return { unavailable: `${impl.needsModule} not installed: run node scripts/setup.mjs` };
  }
  let cmd = process.execPath;
  if (impl.lang === 'python') {
    const v = venvPython();
    if (v.error) return { unavailable: v.error };
    cmd = v.python;
  }
  // An optional peer (e.g. torch) is never installed on the fly: too big to impose.
  const missing = impl.optional && missingOptional(impl.optional);
  if (missing) return { unavailable: missing };
  return { cmd, args: [join(BENCH_DIR, impl.script), ...(impl.args ?? [])] };
}

// The line of a crashed runner's stderr most likely to say why (not its stack frames).
function errorLine(stderr) {
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.findLast((l) => /error/i.test(l)) ?? lines.at(-1) ?? '';
}

async function runImpl(def, impl, opts, policy) {
  const launch = launcher(impl);
  if (launch.unavailable) {
    console.error(`  ${impl.name}: ${launch.unavailable} — continuing without it`);
    return { status: 'unavailable', note: launch.unavailable, meta: {}, records: [] };
  }
  const skipped = {};
  const cases = def.cases.filter((c) => {
    const reason = impl.slow?.[c.id];
    if (reason && !opts.includeSlow) skipped[c.id] = `${reason}; run with --include-slow`;
    return !skipped[c.id];
  });
  // Every case skipped as too slow (e.g. tfjs-wasm on W4/W6): nothing to start the runner for.
  if (!cases.length) {
    const note = 'every case skipped as too slow; run with --include-slow';
    console.error(`  ${impl.name}: ${note}`);
    return { status: 'ok', note, meta: {}, records: [], skipped };
  }
  const { rounds, ...roundPolicy } = policy;
  // An implementation may override keys of the round's policy (W3's tfjs-cpu: 1 warm-up step, not 5,
  // as its steps take seconds).
  const plan = { workload: def.id, seeds: SEEDS, policy: { ...roundPolicy, ...impl.policy }, cases };
  console.error(`  ${impl.name}: running ${cases.length} case(s)`);
  const stopWatch = startCpuWatch();
  const out = await runJsonLines(launch.cmd, [...launch.args, JSON.stringify(plan)], {
    env: impl.env,
    onRecord: (r) => console.error(`    ${r.case.padEnd(16)} ` +
      (r.error ? `ERROR ${r.error}` : `${summarize(r.times_ms).median.toFixed(3)} ms`)),
  });
  const load = stopWatch();
  if (load && load.other_cpu_pct > BUSY_PCT) {
    console.error(`  ${impl.name}: WARNING other processes used ${load.other_cpu_pct}% of the CPUs ` +
      'during this run; its numbers are unreliable (rerun on a quiet machine)');
  }
  let status = 'ok';
  let note;
  if (out.error || out.records.length === 0) {
    status = 'failed';
    note = `${out.error ?? 'no results'}${out.stderr ? `: ${errorLine(out.stderr)}` : ''}`;
    console.error(`  ${impl.name}: FAILED (${note}) — continuing without it`);
  }
  return { status, note, meta: out.meta, records: out.records, skipped, load };
}

/** Pools a later round's outcome into the earlier ones: times are concatenated per case,
 *  an error in any round marks the case, and the busiest round's load is kept. */
function pool(prev, next) {
  if (!prev) return next;
  const records = prev.records.map((p) => {
    const r = next.records.find((x) => x.case === p.case);
    if (!r || p.error) return p;
    return r.error ? r : { ...p, times_ms: [...p.times_ms, ...r.times_ms] };
  });
  const load = [prev.load, next.load].filter(Boolean)
    .sort((a, b) => b.other_cpu_pct - a.other_cpu_pct)[0];
  const failed = [prev, next].find((o) => o.status !== 'ok');
  return { ...prev, records, load, status: failed?.status ?? 'ok', note: failed?.note };
}

async function main() {
  const opts = parseCli();
  const mode = opts.quick ? 'quick' : 'full';
  const machine = machineFacts();
  console.error(`zerodl bench (${mode}): ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

  const workloads = [];
  for (const id of opts.ids) {
    const def = WORKLOADS[id].configure?.(opts.values, mode) ?? WORKLOADS[id];
    const policy = { ...POLICIES[mode], ...def.policy }; // a workload may need e.g. more warm-up
    console.error(`\n${id}: ${def.title}`);
    const outcomes = {};
    const impls = def.impls.filter((i) => !opts.only || opts.only.includes(i.name));
    for (let round = 0; round < policy.rounds; round++) {
      if (policy.rounds > 1) console.error(` round ${round + 1} of ${policy.rounds}`);
      for (const impl of round % 2 ? [...impls].reverse() : impls) {
        const prev = outcomes[impl.name];
        if (prev && prev.status !== 'ok') continue; // unavailable or crashed: don't retry
        outcomes[impl.name] = pool(prev, await runImpl(def, impl, opts, policy));
      }
    }
    const w = analyse(def, outcomes, policy);
    workloads.push(w);
    console.log(`\n${renderText(w)}`);
  }

  // Only a full-rep run of everything may replace the publishable latest.* files.
  const partial = opts.quick || Boolean(opts.only) || opts.ids.length < Object.keys(WORKLOADS).length;
  const report = { machine, mode, partial, args: process.argv.slice(2), workloads };
  const base = join(RESULTS_DIR, partial ? 'partial' : 'latest');
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(`${base}.md`, renderMarkdown(report));
  console.log(`\nwrote ${base}.json and ${base}.md`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
