#!/usr/bin/env node
/**
 * `npm start`: checks the Node version, then runs scripts/start/run.ts through this checkout's tsx
 * (see that file for what it does).
 */
import { requireNode } from './node-version.js';

requireNode('npm start');
const { register } = await import('tsx/esm/api');
register();
await import('./start/run.ts');
