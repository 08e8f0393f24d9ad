// Every test suite, from a fresh clone: set-up, the native build, the Rust tests, the TypeScript
// type check and tests, and the prebuilt-binary install test. `npm test` runs this. It ends with
// one "N passed, N failed" line totalling the Rust and TypeScript test counts.
import { spawnSync } from 'node:child_process';
import { npm, root, run } from './lib.mjs';

const totals = { passed: 0, failed: 0 };

/** Runs a test command, echoing its output and adding up the counts its summary lines report. */
function runCounted(cmd, args, patterns) {
  console.log(`\n> ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const out = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, ''); // strip colours
  for (const [key, re] of Object.entries(patterns)) {
    for (const m of out.matchAll(re)) totals[key] += Number(m[1]);
  }
  if (r.status !== 0) {
    console.log(`${totals.passed} passed, ${Math.max(totals.failed, 1)} failed`);
    process.exit(r.status ?? 1);
  }
}

run(process.execPath, ['scripts/setup.mjs']);
run(npm, ['run', 'build']);
runCounted('cargo', ['test', '--workspace'], { passed: /test result: \w+\. (\d+) passed/g, failed: /; (\d+) failed;/g });
run(npm, ['exec', '--', 'tsc', '--noEmit', '-p', '__test__/tsconfig.json']);
runCounted(npm, ['exec', '--', 'vitest', 'run'], { passed: /Tests\s+(?:\d+ failed \| )?(\d+) passed/g, failed: /Tests\s+(\d+) failed/g });
run(process.execPath, ['scripts/install-test.mjs']);
totals.passed += 1; // the install test, which exits non-zero on any failure
console.log('\n✓ all test suites passed');
console.log(`${totals.passed} passed, ${totals.failed} failed`);
