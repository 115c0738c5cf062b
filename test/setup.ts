/**
 * Test-wide setup. tf.js prints an "install tfjs-node" banner on first use of its cpu backend in Node; the
 * lab's entry points silence it the same way (they report the backend themselves).
 */
import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', true);
