/**
 * Renderer-only Vite config for quick dev checks of the UI in a browser (`npx vite build -c renderer/vite.config.ts`).
 * The app itself builds the renderer through electron.vite.config.ts (owned by the Electron side).
 */
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte()],
  build: { outDir: fileURLToPath(new URL('../out/renderer-dev', import.meta.url)), emptyOutDir: true },
});
