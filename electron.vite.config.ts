/**
 * Build of the desktop app (electron-vite): main process, sandboxed preload and the Svelte renderer, with our
 * folder layout set explicitly (electron/main, electron/preload, renderer/) and the training and model-job
 * processes as separate main-side entries (out/main/trainWorker.js, out/main/jobWorker.js, started with
 * utilityProcess.fork).
 *
 * Output in out/: main/index.js + main/trainWorker.js + main/jobWorker.js (ESM), preload/index.cjs (CommonJS, as a sandboxed
 * preload requires), renderer/ (static files, also what `lab serve` serves).
 */
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const r = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: r('./out/main'),
      // tfjs, its native optional packages, onnxruntime and ws stay in node_modules (native code, wasm files).
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: r('./electron/main/index.ts'),
          trainWorker: r('./electron/engine/worker/trainWorker.ts'),
          jobWorker: r('./electron/engine/worker/jobWorker.ts'),
        },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: r('./out/preload'),
      // A sandboxed preload cannot require anything but electron: bundle everything it uses into one file.
      externalizeDeps: false,
      isolatedEntries: true,
      rolldownOptions: {
        input: { index: r('./electron/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: r('./renderer'),
    plugins: [svelte()],
    build: {
      outDir: r('./out/renderer'),
      rolldownOptions: { input: { index: r('./renderer/index.html') } },
    },
  },
});
