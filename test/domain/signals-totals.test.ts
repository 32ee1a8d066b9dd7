// The totals a point counts toward (pure): every total whose dimensions it carries, except the one its own bucket is.
import { describe, expect, it } from 'vitest';
import { totalHeldBy, totalOfFilter, totalPoints, type Dimensions, type SignalPoint, type StoredSeries } from '../../shared/domain/signals/series';

const minute = Date.UTC(2026, 11, 5, 9, 0);
const point = (series: StoredSeries, dimensions: Dimensions, sum = 1): SignalPoint => ({ series, dimensions, minute, sum, count: 1 });

describe('totalPoints', () => {
  it.each([
    ['an error with version and fingerprint', point('errors', { appVersion: '1.0', fingerprint: 'fp' }), [{}, { appVersion: '1.0' }]],
    [
      'an error with version, fingerprint and route',
      point('errors', { appVersion: '1.0', fingerprint: 'fp', route: '/a' }),
      [{}, { appVersion: '1.0' }, { route: '/a' }, { appVersion: '1.0', route: '/a' }],
    ],
    [
      'requests of a version and route (its own bucket is that total)',
      point('requests', { appVersion: '1.0', route: '/a' }),
      [{}, { appVersion: '1.0' }, { route: '/a' }],
    ],
    ['requests without a route', point('requests', { appVersion: '1.0' }), [{}]],
    ['an error without a fingerprint', point('errors', { appVersion: '1.0' }), [{}]],
    ['a point without dimensions (its own bucket is the product total)', point('crashes', {}), []],
  ])('%s', (_name, input, totals) => {
    expect(totalPoints([input]).map((entry) => entry.dimensions)).toEqual(totals);
  });

  it('merges a batch per series, total and minute', () => {
    const merged = totalPoints([
      point('errors', { appVersion: '1.0', fingerprint: 'a' }, 2),
      point('errors', { appVersion: '2.0', fingerprint: 'a' }, 3),
      point('errors', { appVersion: '1.0', fingerprint: 'b' }, 4),
    ]);
    expect(merged.map((entry) => [entry.dimensions, entry.sum, entry.count])).toEqual([
      [{}, 9, 3],
      [{ appVersion: '1.0' }, 6, 2],
      [{ appVersion: '2.0' }, 3, 1],
    ]);
  });

  it('names the total a filter reads and the one a bucket holds', () => {
    expect([{}, { appVersion: '1' }, { route: '/a' }, { appVersion: '1', route: '/a', fingerprint: 'fp' }].map(totalOfFilter)).toEqual([
      'product',
      'appVersion',
      'route',
      'appVersion+route',
    ]);
    expect(totalHeldBy({ appVersion: '1', fingerprint: 'fp' })).toBeUndefined();
    expect(totalHeldBy({ route: '/a' })).toBe('route');
  });
});
