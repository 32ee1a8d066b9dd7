// `diagnostics detect --csv`: the service's detector over a CSV file, JSON lines out; and the labelled
// synthetic set and its scoring that the benchmark reports (bench/detector.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSeriesCsv, runDetect } from '../../cli/detect';
import { scoreDetections } from '../../bench/support/detector-scoring';
import { evaluationSet, generateSeries } from '../../bench/support/synthetic-series';

async function detect(csv: string, ...args: string[]): Promise<{ code: number; lines: string[]; errors: string }> {
  const directory = mkdtempSync(path.join(tmpdir(), 'detect-'));
  const file = path.join(directory, 'series.csv');
  writeFileSync(file, csv);
  const output = new PassThrough();
  const errors = new PassThrough();
  let out = '';
  let err = '';
  output.on('data', (chunk: Buffer) => (out += chunk.toString()));
  errors.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runDetect(['--csv', file, ...args], output, errors);
  return { code, lines: out.split('\n').filter(Boolean), errors: err };
}

describe('diagnostics detect --csv', () => {
  const series = generateSeries({
    name: 'cli',
    seed: 5,
    length: 600,
    stepInMs: 60_000,
    level: 100,
    noise: 0.05,
    spikes: 3,
    dips: 0,
    levelShifts: 0,
    warmup: 100,
  });
  const csv = ['timestamp,value', ...series.points.map((point) => `${new Date(point.time).toISOString()},${point.value}`)].join('\n');

  it('prints one JSON line per anomalous point, with its timestamp and score, covering the labelled spikes', async () => {
    const { code, lines, errors } = await detect(csv);
    expect(code).toBe(0);
    const parsed = lines.map((line) => JSON.parse(line) as { timestamp: string; score: number });
    for (const entry of parsed) {
      expect(Object.keys(entry)).toEqual(['timestamp', 'score']);
      expect(Math.abs(entry.score)).toBeGreaterThan(4.5);
    }
    const flagged = new Set(parsed.map((entry) => Date.parse(entry.timestamp)));
    const flags = series.points.map((point) => flagged.has(point.time));
    const score = scoreDetections(flags, series.labels);
    expect(score.detectedWindows).toBe(3);
    expect(score.truePositiveAlarms).toBe(score.alarms);
    expect(errors).toMatch(/600 points, \d+ anomalous/);
  });

  it('reads epoch seconds and space-separated times, and skips a header', () => {
    expect(parseSeriesCsv('ts,v\n1704067200,1\n2024-01-01 00:01:00,2\n2024-01-01T00:02:00Z,\n')).toEqual([
      { time: 1704067200000, value: 1 },
      { time: 1704067260000, value: 2 },
      { time: 1704067320000, value: undefined },
    ]);
  });

  it('answers exit code 2 naming the problem', async () => {
    expect(await detect('t,v\n2024-01-01T00:00:00Z,abc\n')).toMatchObject({ code: 2, errors: 'detect: line 2: "abc" is not a number\n' });
    expect(await detect(csv, '--sensitivity', 'extreme')).toMatchObject({ code: 2 });
    expect(await detect(csv, '--direction', 'sideways')).toMatchObject({ code: 2 });
  });

  it('lower sensitivity flags fewer points', async () => {
    const high = await detect(csv, '--sensitivity', 'high');
    const low = await detect(csv, '--sensitivity', 'low');
    expect(low.lines.length).toBeLessThanOrEqual(high.lines.length);
  });
});

describe('the labelled evaluation set', () => {
  it('is the same for the same seed and labels every injected anomaly', () => {
    const first = evaluationSet();
    const second = evaluationSet();
    expect(first.map((series) => series.points.slice(0, 5))).toEqual(second.map((series) => series.points.slice(0, 5)));
    expect(first.reduce((sum, series) => sum + series.labels.length, 0)).toBe(51);
  });

  it('scores alarms event by event', () => {
    const labels = [{ kind: 'spike' as const, start: 10, end: 13, affectedEnd: 13 }];
    const flags = Array<boolean>(30).fill(false);
    flags[11] = true;
    flags[12] = true;
    flags[20] = true;
    expect(scoreDetections(flags, labels)).toEqual({ alarms: 2, truePositiveAlarms: 1, windows: 1, detectedWindows: 1, delays: [1] });
  });
});
