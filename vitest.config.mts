import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.spec.ts'],
    // Child processes, not worker threads: a native crash then fails one file, not the runner.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
