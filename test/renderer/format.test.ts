import { describe, expect, it } from 'vitest';
import { formatDate } from '../../renderer/src/lib/format.js';

describe('formatDate', () => {
  it('writes what Date.toLocaleString writes, with a formatter made once', () => {
    for (const iso of ['2026-11-30T10:39:01Z', '2024-02-29T23:59:59.999Z', '1999-12-31T00:00:00Z']) {
      expect(formatDate(iso)).toBe(new Date(iso).toLocaleString());
    }
  });

  it('returns a string that is not a date unchanged', () => {
    expect(formatDate('not a date')).toBe('not a date');
  });
});
