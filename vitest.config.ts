import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    // The usual output, then every skipped test listed; under CI=true a skip not explained there fails the run.
    reporters: ['default', './test/packaging/skipReporter.ts'],
    // Training tests are CPU-bound; two workers match the two cores CI has.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/**/*.svelte.test.ts'], environment: 'node' },
      },
      {
        // The renderer's rune stores (`*.svelte.ts`) run for real: compiled for the client and with Svelte's client
        // runtime (Node would otherwise resolve `svelte` to its server build, where effects never run and
        // flushSync does nothing). Only these tests see the browser condition; the engine keeps Node's.
        extends: true,
        plugins: [svelte({ dynamicCompileOptions: () => ({ generate: 'client' }) })],
        resolve: { conditions: ['browser'] },
        ssr: { resolve: { conditions: ['browser'], externalConditions: ['browser'] } },
        test: {
          name: 'runes',
          include: ['test/**/*.svelte.test.ts'],
          environment: 'node',
          server: { deps: { inline: ['svelte'] } },
        },
      },
    ],
  },
});
