import { describe, expect, it } from 'vitest';
import { placeGuides } from '../../renderer/src/lib/chartGuides.js';

// A plot 400×200 canvas pixels at (50, 10): x from 0 to 1,000 steps, y a log10 axis from 2 to 4.
const box = { left: 50, top: 10, width: 400, height: 200 };
const xToPx = (step: number) => box.left + (step / 1000) * box.width;
const yToPx = (loss: number) => box.top + box.height * (1 - (Math.log10(loss) - Math.log10(2)) / (Math.log10(4) - Math.log10(2)));

describe('placeGuides', () => {
  it('puts learning-rate changes and floors at their pixel positions, with their labels', () => {
    const placed = placeGuides(
      { x: [{ value: 500, label: 'lr change @500' }], y: [{ value: 2.8226, label: 'unigram entropy' }] },
      box,
      xToPx,
      yToPx,
    );
    expect(placed.vertical).toEqual([{ at: 250, label: 'lr change @500' }]);
    expect(placed.horizontal).toHaveLength(1);
    expect(placed.horizontal[0].label).toBe('unigram entropy');
    // log10(2.8226 / 2) / log10(4 / 2) = 0.497 of the way up from the bottom (y = 210).
    expect(placed.horizontal[0].at).toBeCloseTo(210 - 200 * 0.49703, 2);
  });

  it('leaves out guides outside the plot or nowhere on the axis, keeps those on its edges', () => {
    const placed = placeGuides(
      {
        x: [
          { value: 0, label: 'start' },
          { value: 1000, label: 'end' },
          { value: 1001, label: 'after' },
          { value: -5, label: 'before' },
        ],
        y: [
          { value: 0, label: 'zero on a log axis' },
          { value: 5, label: 'above' },
          { value: 4, label: 'top' },
        ],
      },
      box,
      xToPx,
      yToPx,
    );
    expect(placed.vertical.map((g) => g.label)).toEqual(['start', 'end']);
    expect(placed.horizontal).toEqual([{ at: 10, label: 'top' }]);
    expect(placeGuides({}, box, xToPx, yToPx)).toEqual({ vertical: [], horizontal: [] });
  });
});
