// Renders an analysed workload (lib/analyse.mjs) as a terminal table and as the
// markdown that bench/results/latest.md holds for the README.
import { textTable, markdownTable } from './table.mjs';
import { REF, MIN_REPS, isBusy } from './analyse.mjs';

function fmtMs(x) {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

// Times are kept in ms; a workload may show them in us (W5's unit).
const SCALE = { ms: 1, us: 1000 };
const fmtTime = (ms, unit) => fmtMs(ms * SCALE[unit]);

const fmtRatio = (r) => `${r.toFixed(2)}x`;

// The columns: case, impl, reps, time, GFLOP/s, the workload's own columns (values its runners
// recorded, e.g. W5's prediction, W8's validation loss), then the zerodl/peer speed.
function header(w) {
  return ['case', 'impl', w.headers.reps ?? 'reps', w.headers.median ?? `median ${w.unit} (min-max)`,
    'GFLOP/s', ...w.columns.map((c) => c.title), 'zerodl/peer speed'];
}
const align = (w) => ['l', 'l', 'r', 'r', 'r', ...w.columns.map(() => 'r'), 'r'];

// `exp`: a value that may be tiny (W14's max |difference|), in exponent notation.
function cell(value, digits, exp = false) {
  if (value == null || Number.isNaN(value)) return '';
  if (typeof value !== 'number') return String(value);
  return exp && value !== 0 ? value.toExponential(digits ?? 2) : value.toFixed(digits ?? 3);
}

function rows(w) {
  const out = [];
  for (const c of w.cases) {
    c.results.forEach((r, i) => {
      const caseCell = i === 0 ? c.label : '';
      if (r.status !== 'ok') {
        out.push([caseCell, r.impl, '', `${r.status} (see below)`, '', ...w.columns.map(() => ''), '']);
        return;
      }
      out.push([
        caseCell, r.impl,
        r.reps < MIN_REPS ? `${r.reps}*` : String(r.reps),
        `${fmtTime(r.median, w.unit)} (${fmtTime(r.min, w.unit)}-${fmtTime(r.max, w.unit)})`,
        r.gflops == null ? '' : r.gflops.toFixed(r.gflops >= 10 ? 1 : 2),
        ...w.columns.map((col) => cell(r[col.key], col.digits, col.exp)),
        r.impl === REF ? '' : r.ratio == null ? 'n/a' : fmtRatio(r.ratio),
      ]);
    });
  }
  return out;
}

function policyLine(w) {
  if (w.method) return w.method;
  const p = w.policy;
  const rounds = p.rounds > 1
    ? `${p.rounds} rounds (impls in order, then reversed; times pooled), each with `
    : '';
  return `median (min-max) of >= ${p.rounds * p.minReps} timed reps: ${rounds}` +
    `${p.warmup} warm-up(s), then >= ${p.minReps} reps (up to ${p.maxReps} while under ` +
    `${p.targetMs} ms) per case. ` +
    `zerodl/peer speed = peer median ${w.unit} / zerodl median ${w.unit}: > 1 means zerodl is faster.`;
}

function implLines(w) {
  return Object.entries(w.impls).map(([name, i]) => {
    if (i.status !== 'ok') return `${name}: ${i.status.toUpperCase()} - ${i.note}`;
    const facts = Object.entries(i.meta ?? {}).filter(([k]) => k !== 'impl')
      .map(([k, v]) => `${k}=${v}`).join(', ');
    return `${name}: ${facts}${i.note ? ` (${i.note})` : ''}`;
  });
}

/** Runners during which something else loaded the machine. */
function busyLines(w) {
  return Object.entries(w.impls)
    .filter(([, i]) => isBusy(i))
    .map(([name, i]) => `WARNING: other processes used ${i.load.other_cpu_pct}% of the CPUs while ` +
      `${name} ran: its numbers and ratios are unreliable; rerun on a quiet machine`);
}

/** Why a case has no numbers for an impl (skipped as too slow, or failed). */
function skipLines(w) {
  return w.cases.flatMap((c) => c.results.filter((r) => r.status !== 'ok')
    .map((r) => `${r.impl} ${r.status === 'error' ? 'failed on' : 'skipped'} ${c.label}: ${r.note}`));
}

function targetLines(w) {
  return w.targets.map((t) => {
    const what = t.title ? `${t.title} (${t.label})` : t.label;
    const flags = (t.indicative ? ' [quick run: indicative only]' : '') +
      (t.busy ? ' [machine was busy: unreliable]' : '');
    if (t.key !== undefined) {
      const fmt = (x) => (x == null ? 'none' : cell(x, t.digits ?? 2, t.exp)); // none: e.g. W7's goal not reached
      const need = `needs ${t.max !== undefined ? `< ${fmt(t.max)}` : `>= ${fmt(t.min)}`}${t.unit ?? ''}`;
      if (t.verdict === 'n/a') return `n/a   ${what}: ${t.note} (${need})`;
      return `${t.verdict.padEnd(5)} ${what}: ${t.impl} ${t.name ?? t.key} = ${fmt(t.value)}${t.value == null ? '' : t.unit ?? ''} (${need})${flags}`;
    }
    if (t.maxMs !== undefined) {
      const need = `needs <= ${fmtTime(t.maxMs, w.unit)} ${w.unit}`;
      if (t.verdict === 'n/a') return `n/a   ${what}: ${t.note} (${need})`;
      return `${t.verdict.padEnd(5)} ${what}: zerodl median = ${fmtTime(t.value, w.unit)} ${w.unit} (${need})${flags}`;
    }
    const need = `needs >= ${t.min.toFixed(2)}x`;
    if (t.verdict === 'n/a') return `n/a   ${what}: ${t.note} (${need})`;
    const fastest = t.peers?.length > 1 ? ` (fastest of ${t.peers.join(', ')})` : '';
    return `${t.verdict.padEnd(5)} ${what}: zerodl/${t.peer}${fastest} = ${fmtRatio(t.ratio)} (${need})` +
      (t.note ? `; ${t.note}` : '') + flags;
  });
}

// Ratio targets compare speeds; metric targets (W9's RSS growth, W10's lag) bound a value.
const targetsHeading = (w) => (w.targets.some((t) => t.key === undefined)
  ? 'Targets (ratios: zerodl speed / peer speed, same run):' : 'Targets:');

const hasFewReps = (w) => w.cases.some((c) => c.results.some((r) => r.reps < MIN_REPS));
const FEW_REPS_NOTE = `* fewer than ${MIN_REPS} reps (quick run): indicative only, not for publication`;

export function renderText(w) {
  const parts = [`${w.id}: ${w.title}`, policyLine(w), '', textTable(header(w), rows(w), align(w))];
  if (hasFewReps(w)) parts.push(FEW_REPS_NOTE);
  parts.push(...w.notes, ...skipLines(w), ...busyLines(w));
  parts.push('', 'Implementations:', ...implLines(w).map((l) => `  ${l}`));
  if (w.targets.length) parts.push('', targetsHeading(w), ...targetLines(w).map((l) => `  ${l}`));
  return parts.join('\n');
}

export function renderMarkdown(report) {
  const m = report.machine;
  const parts = [
    '# zerodl benchmarks',
    '',
    `Generated by \`npm run bench\` on ${m.date} (git ${m.git})${report.partial ? ' — partial run' : ''}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores (${m.simd}), ${m.memory_gib} GiB, ${m.os}, Node ${m.node}.`,
  ];
  for (const w of report.workloads) {
    parts.push('', `## ${w.id}: ${w.title}`, '', policyLine(w), '', markdownTable(header(w), rows(w), align(w)));
    const notes = [...(hasFewReps(w) ? [FEW_REPS_NOTE] : []), ...w.notes, ...skipLines(w), ...busyLines(w)];
    if (notes.length) parts.push('', ...notes.map((l) => `- ${l.replace(/^\*/, '\\*')}`));
    parts.push('', 'Implementations:', '', ...implLines(w).map((l) => `- ${l}`));
    if (w.targets.length) {
      parts.push('', targetsHeading(w), '', ...targetLines(w).map((l) => `- ${l}`));
    }
  }
  return parts.join('\n') + '\n';
}
