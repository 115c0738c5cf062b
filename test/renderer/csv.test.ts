import { describe, expect, it } from 'vitest';
import { METRICS_CSV_HEADER, metricsCsv } from '../../renderer/src/lib/csv.js';

describe('metricsCsv', () => {
  it('writes one row per step with the learning rate in effect and evaluations where taken', () => {
    const csv = metricsCsv(
      [3.3, 2.9, 2.5, 2.4],
      { initial: 0.1, decays: [{ atStep: 2, rate: 0.01 }] },
      [
        { step: 0, train: 3.29, val: 3.3 },
        { step: 4, train: 2.41, val: 2.45 }, // the final evaluation, after the last step
      ],
    );
    expect(csv.split('\n')).toEqual([
      METRICS_CSV_HEADER,
      '0,3.3,0.1,3.29,3.3',
      '1,2.9,0.1,,',
      '2,2.5,0.01,,',
      '3,2.4,0.01,,',
      '4,,0.01,2.41,2.45',
      '',
    ]);
  });

  it('leaves non-finite losses empty instead of writing NaN', () => {
    const csv = metricsCsv([Number.NaN], { initial: 1, decays: [] }, []);
    expect(csv).toBe(`${METRICS_CSV_HEADER}\n0,,1,,\n`);
  });
  it('lists a bucketed history (every = 4) at each bucket\'s first step, with the evaluations between', () => {
    const csv = metricsCsv([3, 2.5], { initial: 0.1, decays: [] }, [{ step: 6, train: 2.4, val: 2.6 }], 4);
    expect(csv.trim().split('\n')).toEqual([METRICS_CSV_HEADER, '0,3,0.1,,', '4,2.5,0.1,,', '6,,0.1,2.4,2.6']);
  });
});
