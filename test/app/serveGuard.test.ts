/**
 * The wall between serve's event handlers and the process: a handler that throws, synchronously or from a
 * promise, is answered by its failure callback and nothing reaches Node's uncaught-exception machinery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { guard } from '../../electron/serve/guard.js';

const escaped: unknown[] = [];
const onUncaught = (e: unknown) => escaped.push(e);
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);
afterEach(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('guard', () => {
  it('hands a synchronous throw and a rejection to the failure callback with the same arguments', async () => {
    const failures: [unknown, string][] = [];
    const onFailure = (e: unknown, who: string) => failures.push([(e as Error).message, who]);
    guard((who: string) => {
      throw new Error(`sync ${who}`);
    }, onFailure)('req-1');
    guard(async (who: string) => {
      await tick();
      throw new Error(`async ${who}`);
    }, onFailure)('req-2');
    await tick();
    await tick();
    expect(failures).toEqual([
      ['sync req-1', 'req-1'],
      ['async req-2', 'req-2'],
    ]);
    expect(escaped).toEqual([]);
  });

  it('swallows a failure callback that throws too', async () => {
    const boom = () => {
      throw new Error('again');
    };
    expect(() => guard(() => boom(), boom)()).not.toThrow();
    guard(async () => boom(), boom)();
    await tick();
    expect(escaped).toEqual([]);
  });

  it('passes a handler that succeeds through untouched', async () => {
    const seen: number[] = [];
    guard((n: number) => void seen.push(n), () => seen.push(-1))(7);
    guard(async (n: number) => void seen.push(n), () => seen.push(-1))(8);
    await tick();
    expect(seen).toEqual([7, 8]);
  });
});
