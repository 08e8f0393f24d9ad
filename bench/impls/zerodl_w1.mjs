// W1 (GEMM) on zerodl. Usage: node zerodl_w1.mjs <plan-json>
import { readPlan, timeReps, emit, runCases } from '../lib/timing.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
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
