// W9 (memory over long training) on zerodl. Usage: node zerodl_w9.mjs <plan-json>
// For each case the runner starts a fresh process (this file with --case) so the case's RSS is
// its own: it builds W2's or W4's model and batch (lib/zerodl_models.mjs), runs `steps` training
// steps as users run them (`await model.trainOnBatch(x, y)`, no forced GC), reads the RSS after
// every 100th step, and prints one JSON line: per-step times, the RSS after step `warmSteps` and
// after the last, the growth between them, and the process's peak RSS.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readPlan, emit, runCases } from '../lib/timing.mjs';
import { runJsonLines } from '../lib/proc.mjs';
import { charLmStep, mlpStep } from '../lib/zerodl_models.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const MB = 2 ** 20;
const SAMPLE_EVERY = 100;

async function runCase(c, seeds) {
  const { zd } = loadZerodl();
  const { step, dispose } = (c.model === 'mlp' ? mlpStep : charLmStep)(zd, c, seeds);
  const times = [];
  const rss = [];
  const losses = [];
  let rssWarm;
  for (let i = 1; i <= c.steps; i++) {
    const t0 = performance.now();
    const loss = await step();
    times.push(performance.now() - t0);
    if (i === 1 || i === c.steps) losses.push(loss);
    if (i % SAMPLE_EVERY === 0) {
      rss.push(process.memoryUsage().rss / MB);
      if (i === c.warmSteps) rssWarm = rss.at(-1);
    }
  }
  const rssEnd = process.memoryUsage().rss / MB;
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  dispose();
  if (!Number.isFinite(losses.at(-1))) throw new Error(`loss is ${losses.at(-1)} after ${c.steps} steps`);
  return {
    times_ms: times,
    loss_first: losses[0], loss_last: losses.at(-1),
    rss_warm_mb: rssWarm, rss_end_mb: rssEnd,
    rss_growth_pct: 100 * (rssEnd / rssWarm - 1),
    rss_peak_mb: (process.resourceUsage().maxRSS * 1024) / MB, // maxRSS is in KiB
    heap_used_mb: heapUsed / MB, external_mb: external / MB, array_buffers_mb: arrayBuffers / MB,
    rss_every_100_mb: rss.map((x) => Math.round(x * 10) / 10),
  };
}

if (process.argv[2] === '--case') {
  // The child: one case, one JSON line.
  const { c, seeds } = JSON.parse(process.argv[3]);
  try {
    emit(await runCase(c, seeds));
  } catch (e) {
    emit({ error: String(e?.message ?? e).split('\n')[0] });
  }
} else {
  const plan = readPlan(process.argv[2]);
  const { meta } = loadZerodl();
  emit({ meta });
  const self = fileURLToPath(import.meta.url);
  await runCases(plan, 'zerodl', async (c) => {
    const out = await runJsonLines(process.execPath, [self, '--case', JSON.stringify({ c, seeds: plan.seeds })], {
      timeoutMs: 30 * 60_000,
    });
    const r = out.records[0];
    if (!r) throw new Error(`the case's process gave no result (${out.error ?? 'no output'}): ${out.stderr.trim().split('\n').at(-1)}`);
    if (r.error) throw new Error(r.error);
    return r;
  });
}
