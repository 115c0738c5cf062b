/**
 * Test-wide setup. tf.js prints an "install tfjs-node" banner on first use of its cpu backend in Node; the
 * lab's entry points silence it the same way (they report the backend themselves).
 *
 * Training processes the tests start (inheriting this environment) keep normal priority: with two test files at
 * once on 2 cores, a CPU-bound one would starve an end-to-end file's trainers at nice 10 (a sweep test took 161 s
 * instead of 25 s beside two busy loops). test/engine/training-priority.test.ts unsets it for its own worker.
 */
import * as tf from '@tensorflow/tfjs';
import { PRIORITY_ENV } from '../electron/engine/worker/trainingPriority.js';

tf.env().set('PROD', true);
process.env[PRIORITY_ENV] = 'normal';
