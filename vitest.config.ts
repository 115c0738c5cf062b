import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup.ts'],
    // The usual output, then every skipped test listed; under CI=true a skip not explained there fails the run.
    reporters: ['default', './test/packaging/skipReporter.ts'],
    // Training tests are CPU-bound; two workers match the two cores CI has.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
