// The benchmark's own pure parts: the PII corpus scoring rules, the realistic corpora it feeds every
// contender, the statistics its tables quote, and how bench/results.json keeps each group. Speeds are measured by
// `npm run bench`, never here.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { casePasses, loadPiiCorpus, piiCorpusDirectory, scoreCorpus, type CorpusCase } from '../../bench/masking/pii-corpus';
import { repositoryRoot } from '../../bench/support/paths';
import { BatchFactory, ITEMS_PER_BATCH } from '../../bench/support/realistic-items';
import { mergeResults, readResults, writeResults, type GroupResult } from '../../bench/support/report';
import { realisticLogLines } from '../../bench/support/realistic-logs';
import { growthExponent, median, percentile } from '../../bench/support/statistics';
import { ingestItemSchema } from '../../shared/domain/telemetry/items';

const positive: CorpusCase = { text: 'mail jane@example.com now', category: 'email', secret: 'jane@example.com', file: 'x.jsonl' };
const negative: CorpusCase = { text: 'version 1.2.3', category: 'negative', file: 'x.jsonl' };

describe('PII corpus scoring (the corpus README rules)', () => {
  it.each([
    [positive, 'mail [EMAIL] now', true],
    [positive, 'mail jane@example.com now', false],
    [positive, '', true],
    [negative, 'version 1.2.3', true],
    [negative, 'version 1.2.3 ', false],
    [negative, 'version [NUMBER]', false],
  ])('%j masked to %j passes: %s', (corpusCase, masked, passes) => {
    expect(casePasses(corpusCase, masked)).toBe(passes);
  });

  // The corpus lives beside the repository (as in CI); a clone without it skips this one, as the masking corpus test does.
  it.skipIf(!existsSync(piiCorpusDirectory(repositoryRoot)))(
    'scores an identity masker at zero recall and a blanking masker at zero intact negatives',
    async () => {
      const cases = loadPiiCorpus(piiCorpusDirectory(repositoryRoot));
      expect(cases.length).toBeGreaterThan(500);
      const identity = await scoreCorpus(cases, (text) => text);
      expect(identity.recall).toBe(0);
      expect(identity.negativesIntact).toBe(1);
      const blank = await scoreCorpus(cases, () => '');
      expect(blank.recall).toBe(1);
      expect(blank.negativesIntact).toBe(0);
      expect(blank.positives.total + blank.negatives.total).toBe(cases.length);
    },
  );

  it('counts a masker that throws as failing the case', async () => {
    const score = await scoreCorpus([positive, negative], () => {
      throw new Error('boom');
    });
    expect(score).toMatchObject({ errors: 2, positives: { passed: 0, total: 1 }, negatives: { passed: 0, total: 1 } });
  });
});

describe('realistic corpora', () => {
  it('is the same for the same seed and plants each secret verbatim in its line', () => {
    const lines = realisticLogLines(500);
    expect(realisticLogLines(500)).toEqual(lines);
    const sensitive = lines.filter((line) => line.secrets.length > 0);
    expect(sensitive.length / lines.length).toBeGreaterThan(0.1);
    expect(sensitive.length / lines.length).toBeLessThan(0.3);
    for (const line of sensitive) for (const secret of line.secrets) expect(line.text).toContain(secret);
  });

  it('builds batches of 50 valid ingest items with ids unique across batches', () => {
    const factory = new BatchFactory('test');
    const batches = Array.from({ length: 5 }, () => factory.nextItems());
    const ids = new Set<string>();
    for (const batch of batches) {
      expect(batch).toHaveLength(ITEMS_PER_BATCH);
      for (const item of batch) {
        const parsed = ingestItemSchema.safeParse(item);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        ids.add(String(item.id));
      }
    }
    expect(ids.size).toBe(5 * ITEMS_PER_BATCH);
    expect(new Set(batches.flat().map((item) => item.kind))).toEqual(new Set(['log', 'span', 'breadcrumb', 'network']));
  });
});

describe('statistics', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('median of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
  });

  it('reads growth as the log-log slope: 1 is linear', () => {
    expect(
      growthExponent([
        { size: 1000, seconds: 1 },
        { size: 10_000, seconds: 10 },
      ]),
    ).toBeCloseTo(1);
    expect(
      growthExponent([
        { size: 1000, seconds: 1 },
        { size: 10_000, seconds: 100 },
      ]),
    ).toBeCloseTo(2);
  });
});

describe('bench/results.json across runs of some groups', () => {
  const machine = { cpus: 2, cpuModel: 'test', node: 'v20', platform: 'linux', totalMemoryGb: 8 };
  const group = (measure: string, measuredAt: string): GroupResult => ({
    measuredAt,
    machine,
    quick: false,
    seconds: 1,
    rows: [{ benchmark: measure, measure, value: 1, unit: 'x' }],
    details: {},
  });
  const order = ['masking', 'config', 'ingest'];

  it('replaces the groups run now, keeps the others, and lists rows in the suite order', () => {
    const first = mergeResults(undefined, { groups: { ingest: group('ingest', 't1'), masking: group('masking', 't1') }, skipped: [] }, order, new Date(1));
    const second = mergeResults(first, { groups: { config: group('config', 't2'), ingest: group('ingest again', 't2') }, skipped: [] }, order, new Date(2));
    expect(Object.keys(second.groups)).toEqual(['masking', 'config', 'ingest']);
    expect(second.rows.map((row) => row.measure)).toEqual(['masking', 'config', 'ingest again']);
    expect(second.groups.masking!.measuredAt).toBe('t1');
    expect(second.groups.ingest!.measuredAt).toBe('t2');
  });

  it('reads no previous results from a missing file or one written before groups were kept apart', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'bench-results-'));
    try {
      const file = path.join(directory, 'results.json');
      expect(readResults(file)).toBeUndefined();
      writeFileSync(file, JSON.stringify({ startedAt: 'x', rows: [], details: {}, skipped: [] }));
      expect(readResults(file)).toBeUndefined();
      const results = mergeResults(
        undefined,
        { groups: { masking: group('masking', 't') }, skipped: [{ benchmark: 'config', reason: 'failed' }] },
        order,
        new Date(3),
      );
      writeResults(file, results);
      expect(readResults(file)).toEqual(results);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
