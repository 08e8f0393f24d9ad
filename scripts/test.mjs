// Every test suite, from a fresh clone: set-up, the native build, the Rust tests, the TypeScript
// type check and tests, and the prebuilt-binary install test. `npm test` runs this.
import { npm, run } from './lib.mjs';

run(process.execPath, ['scripts/setup.mjs']);
run(npm, ['run', 'build']);
run('cargo', ['test', '--workspace']);
run(npm, ['exec', '--', 'tsc', '--noEmit', '-p', '__test__/tsconfig.json']);
run(npm, ['exec', '--', 'vitest', 'run']);
run(process.execPath, ['scripts/install-test.mjs']);
console.log('\n✓ all test suites passed');
