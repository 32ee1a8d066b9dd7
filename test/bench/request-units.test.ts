// The benchmark's request-unit model and growth-curve fitting compute what docs/performance.md says they do:
// the documented size table, index terms counted under the Bicep's own policies, and the
// least-squares exponent. The RU figures themselves come from `npm run bench -- --only ru`, never from here.
import { describe, expect, it } from 'vitest';
import { BatchFactory, REALISTIC_DEVICE } from '../../bench/support/realistic-items';
import { growthRows } from '../../bench/support/report';
import {
  bicepIndexingPolicies,
  DEFAULT_MODEL,
  documentedCharge,
  indexedTermCount,
  operationCharge,
  summarizeCharges,
  type CosmosOperation,
} from '../../bench/support/request-units';
import { fittedGrowthExponent } from '../../bench/support/statistics';
import { loadMaskingEngine } from '../../shared/config/masking-rules';
import { toDocument } from '../../shared/domain/telemetry/ingest';
import { ingestItemSchema } from '../../shared/domain/telemetry/items';

describe('documented charges', () => {
  it.each([
    ['read', 1024, 1.0],
    ['read', 100 * 1024, 7.652],
    ['write', 1024, 4.95],
    ['write', 32 * 1024, 11.23],
    ['write', 4096 * 1024, 2500],
  ] as const)('%s of %d bytes costs %d RU', (which, bytes, charge) => {
    expect(documentedCharge(which, bytes)).toBeCloseTo(charge, 2);
  });

  it('charges a document under 1 KB as 1 KB and interpolates between rows on a log-log scale', () => {
    expect(documentedCharge('write', 200)).toBe(4.95);
    // Halfway between 1 KB and 2 KB in log size is the geometric mean of the two charges.
    expect(documentedCharge('write', Math.SQRT2 * 1024)).toBeCloseTo(Math.sqrt(4.95 * 6.29), 6);
    expect(documentedCharge('read', 3 * 1024)).toBeGreaterThan(1.04);
    expect(documentedCharge('read', 3 * 1024)).toBeLessThan(1.14);
  });
});

describe('index terms under the Bicep policies', () => {
  const policies = bicepIndexingPolicies();

  it('counts only the included scalar paths of a session and the composite indexes it fills', () => {
    const session = {
      id: 'ds_x',
      productId: 'demo',
      status: 'active',
      createdAt: 'a',
      updatedAt: 'b',
      expiresAt: 'c',
      targetDeviceId: 'd',
      reason: 'not indexed',
      stats: { logs: 3 },
      tags: ['x', 'y'],
    };
    // productId, status, createdAt, updatedAt, expiresAt, targetDeviceId; composites (productId, createdAt) and (status, createdAt).
    expect(indexedTermCount(session, policies.get('debug_sessions')!)).toBe(6 + 2);
  });

  it('counts every property (arrays and nested objects too) of a container that includes /*, except the excluded _etag', () => {
    const entry = { id: 'u1', userKey: 'demo:u', nested: { a: 1, b: [1, 2] }, _etag: '"e"', _ts: 1 };
    expect(indexedTermCount(entry, policies.get('user_sessions')!)).toBe(5);
  });

  it('gives a stored log document the terms of the logs policy, whatever else it carries', () => {
    const engine = loadMaskingEngine();
    const factory = new BatchFactory('terms');
    const context = {
      productId: 'demo',
      sessionId: 'ds_t',
      receivedAt: new Date().toISOString(),
      device: { deviceId: 'd', ...REALISTIC_DEVICE },
      deviceRedaction: { fieldsRedacted: [], patternsMatched: [], count: 0 },
    };
    const log = factory
      .nextItems()
      .map((raw) => toDocument(ingestItemSchema.parse(raw), context, engine))
      .find((doc) => doc.docType === 'log')!;
    const terms = indexedTermCount(log, policies.get('debug_logs')!);
    const included = policies.get('debug_logs')!.includedPaths!.length;
    const composites = policies.get('debug_logs')!.compositeIndexes!.length;
    expect(terms).toBeGreaterThanOrEqual(5);
    expect(terms).toBeLessThanOrEqual(included + composites);
  });
});

describe('operation charges', () => {
  const write: CosmosOperation = { kind: 'upsert', container: 'debug_logs', documentBytes: 2048, indexedTerms: 10, pages: undefined };

  it('prices a write as the documented size charge plus its index terms', () => {
    expect(operationCharge(write)).toBeCloseTo(6.29 + 10 * DEFAULT_MODEL.perIndexedTerm, 6);
  });

  it('prices a query by its pages and the KB it returns, and a point read by the size table', () => {
    expect(operationCharge({ kind: 'query', container: 'c', documentBytes: 0, indexedTerms: 0, pages: 2, returnedBytes: 10 * 1024 })).toBeCloseTo(
      2 * DEFAULT_MODEL.queryPageBase + 10 * DEFAULT_MODEL.queryPerReturnedKilobyte,
      6,
    );
    expect(operationCharge({ kind: 'read', container: 'c', documentBytes: 512, indexedTerms: 0 })).toBe(1);
  });

  it('sums by kind and container', () => {
    const summary = summarizeCharges([write, write, { kind: 'read', container: 'debug_sessions', documentBytes: 900, indexedTerms: 0 }]);
    expect(summary.operations).toBe(3);
    expect(summary.byKind['upsert debug_logs']!.count).toBe(2);
    expect(summary.total).toBeCloseTo(2 * operationCharge(write) + 1, 6);
  });
});

describe('growth curves', () => {
  it('recovers the exponent of an exact power law and ignores points that cannot sit on a log scale', () => {
    const sizes = [1_000, 10_000, 100_000, 1_000_000];
    expect(fittedGrowthExponent(sizes.map((size) => ({ size, cost: 3 * size ** 0.5 })))).toBeCloseTo(0.5, 10);
    expect(fittedGrowthExponent(sizes.map((size) => ({ size, cost: 7 })))).toBeCloseTo(0, 10);
    expect(
      fittedGrowthExponent([
        { size: 10, cost: 1 },
        { size: 100, cost: 10 },
        { size: 1000, cost: 0 },
      ]),
    ).toBeCloseTo(1, 10);
    expect(fittedGrowthExponent([{ size: 10, cost: 1 }])).toBeNaN();
  });

  it('fits through a noisy end point by least squares, where the two-point slope follows the noise', () => {
    // Linear, but the last point reads twice as high: the fit moves less than the end-to-end slope (log 2 / log 1000 ≈ 0.1).
    const points = [
      { size: 1, cost: 1 },
      { size: 10, cost: 10 },
      { size: 100, cost: 100 },
      { size: 1000, cost: 2000 },
    ];
    const fitted = fittedGrowthExponent(points);
    expect(fitted).toBeGreaterThan(1);
    expect(fitted).toBeLessThan(1 + Math.log(2) / Math.log(1000));
  });

  it('sets each size beside the smallest held flat or scaled linearly, and judges the exponent against its limit', () => {
    const rows = growthRows({
      benchmark: 'b',
      measure: (size) => `at ${size}`,
      unit: 'µs',
      points: [
        { size: 1_000, cost: 4 },
        { size: 100_000, cost: 5 },
      ],
      expect: 'flat',
      exponent: { measure: 'k', target: 'flat', limit: 0.1, value: 0.05 },
    });
    expect(rows[1]!.reference!.value).toBe(4);
    expect(rows[1]!.ratio).toBeCloseTo(1.25);
    expect(rows[2]!.met).toBe(true);
    const linear = growthRows({
      benchmark: 'b',
      measure: String,
      unit: 'ms',
      points: [
        { size: 10, cost: 2 },
        { size: 100, cost: 10 },
      ],
      expect: 'linear',
      exponent: { measure: 'k', target: '≤ 1', limit: 1, value: 1.2 },
    });
    expect(linear[1]!.reference!.value).toBe(20);
    expect(linear[2]!.met).toBe(false);
  });
});
