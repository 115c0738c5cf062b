#!/usr/bin/env node
/**
 * The `lab` command (package.json "bin"): `npx lab …` in the checkout, `lab …` after `npm link`, and
 * `npm run -s lab -- …`. Checks the Node version, then runs the TypeScript CLI through the tsx that this
 * checkout's node_modules holds — resolved from this file, so tsx need not be on the PATH and any working
 * directory works.
 */
import { requireNode } from './node-version.js';

requireNode('lab');
const { register } = await import('tsx/esm/api');
register();
await import('../electron/cli/main.ts');
