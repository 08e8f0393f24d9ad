// W1 (GEMM) on zerodl. Usage: node zerodl_w1.mjs <plan-json>
// Uses the built CommonJS entry dist/index.js (`npm run build` makes it).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ZERODL_ENTRY } from '../lib/paths.mjs';
import { readPlan, timeReps, emit, runCases } from '../lib/timing.mjs';

const plan = readPlan(process.argv[2]);
if (!existsSync(ZERODL_ENTRY)) {
  console.error('zerodl not built: run npm run build');
  process.exit(3);
}
const zd = createRequire(import.meta.url)(ZERODL_ENTRY);
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
// backendInfo() (threads, SIMD level, GEMM kernel) says what was actually measured.
const meta = { impl: 'zerodl', zerodl: version, ...zd.backendInfo?.() };
if (process.env.ZERODL_ENTRY) meta.entry = ZERODL_ENTRY; // a non-default build is being measured
emit({ meta });

const [seedA, seedB] = plan.seeds;
await runCases(plan, 'zerodl', (c) => {
  const a = zd.randn([c.m, c.k], { seed: seedA });
  const b = zd.randn([c.k, c.n], { seed: seedB });
  try {
    // matmul is synchronous and its result stays native; disposing it each rep frees
    // the buffer at once, as a user's hot loop would, instead of leaving it to the GC.
    return timeReps(() => zd.matmul(a, b).dispose(), plan.policy);
  } finally {
    a.dispose?.(); b.dispose?.();
  }
});
