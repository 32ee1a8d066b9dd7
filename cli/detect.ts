// `diagnostics detect --csv <file>`: runs the service's anomaly detector (shared/domain/signals/detector.ts)
// offline over a `timestamp,value` CSV and prints the anomalous points as JSON lines, so the detector can be
// tried on public labelled series with exactly the code that runs in the service.
import { readFile } from 'node:fs/promises';
import {
  autoSeasonality,
  defaultDetectorOptions,
  scoreSeries,
  thresholdOf,
  type DetectorOptions,
  type Direction,
  type Seasonality,
  type SeriesPoint,
} from '../shared/domain/signals/detector';

/** A larger file is a job for a proper pipeline, not a CLI holding it in memory. */
export const MAX_CSV_ROWS = 2_000_000;

export interface DetectOptions {
  sensitivity: 'low' | 'medium' | 'high' | number;
  direction: Direction;
  window: number;
  seasonality: Seasonality | 'auto';
  /** Print every scored point, not only the anomalous ones. */
  all: boolean;
}

export class CsvError extends Error {}

function parseTime(text: string): number {
  const trimmed = text.trim().replace(/^"(.*)"$/, '$1');
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    // Epoch seconds (10 digits today) or milliseconds (13).
    return number < 1e11 ? number * 1000 : number;
  }
  // `2024-05-01 10:00:00` (as many public data sets write it) is read as UTC, like the ISO form with Z.
  const iso = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(trimmed) ? `${trimmed.replace(' ', 'T')}Z` : trimmed;
  return Date.parse(iso);
}

/** `timestamp,value` rows; a header row is skipped; an empty value is a gap. Throws naming the line. */
export function parseSeriesCsv(text: string): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const [timeText = '', valueText = '', ...rest] = line.split(',');
    const time = parseTime(timeText);
    if (Number.isNaN(time)) {
      if (index === 0 || points.length === 0) return; // a header
      throw new CsvError(`line ${index + 1}: "${timeText.slice(0, 40)}" is not a timestamp`);
    }
    if (rest.length > 0 && rest.some((cell) => cell.trim() !== '')) throw new CsvError(`line ${index + 1}: expected two columns, timestamp,value`);
    const trimmed = valueText.trim();
    const value = trimmed === '' || /^(nan|null)$/i.test(trimmed) ? undefined : Number(trimmed);
    if (value !== undefined && !Number.isFinite(value)) throw new CsvError(`line ${index + 1}: "${trimmed.slice(0, 40)}" is not a number`);
    if (points.length >= MAX_CSV_ROWS) throw new CsvError(`more than ${MAX_CSV_ROWS} rows`);
    points.push({ time, value });
  });
  return points.sort((left, right) => left.time - right.time);
}

export function detectorOptionsFor(points: SeriesPoint[], options: DetectOptions): DetectorOptions {
  return {
    ...defaultDetectorOptions,
    threshold: thresholdOf(options.sensitivity),
    direction: options.direction,
    window: options.window,
    minHistory: Math.min(defaultDetectorOptions.minHistory, options.window),
    seasonality: options.seasonality === 'auto' ? autoSeasonality(points) : options.seasonality,
  };
}

/** The JSON lines for a series: `{"timestamp": "...", "score": ...}` per anomalous point (every point with `all`). */
export function detectLines(points: SeriesPoint[], options: DetectOptions): string[] {
  const scored = scoreSeries(points, detectorOptionsFor(points, options));
  return scored
    .filter((point) => options.all || point.anomalous)
    .map((point) => {
      const line: Record<string, unknown> = { timestamp: new Date(point.time).toISOString(), score: Math.round(point.score * 1000) / 1000 };
      if (options.all) Object.assign(line, { value: point.value ?? null, expected: point.expected ?? null, anomalous: point.anomalous });
      return JSON.stringify(line);
    });
}

function valueOf(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

export function parseDetectArgs(args: string[]): { file: string; options: DetectOptions } {
  const file = valueOf(args, 'csv');
  if (!file) throw new CsvError('give the series as --csv <file>');
  const sensitivityText = valueOf(args, 'sensitivity') ?? 'medium';
  const sensitivity = ['low', 'medium', 'high'].includes(sensitivityText) ? (sensitivityText as 'low' | 'medium' | 'high') : Number(sensitivityText);
  if (typeof sensitivity === 'number' && !(sensitivity >= 1.5 && sensitivity <= 20))
    throw new CsvError('--sensitivity is low, medium, high or a z threshold from 1.5 to 20');
  const direction = (valueOf(args, 'direction') ?? 'both') as Direction;
  if (!['up', 'down', 'both'].includes(direction)) throw new CsvError('--direction is up, down or both');
  const window = Number(valueOf(args, 'window') ?? defaultDetectorOptions.window);
  if (!Number.isInteger(window) || window < 5 || window > 10_000) throw new CsvError('--window is a whole number of points from 5 to 10000');
  const seasonality = (valueOf(args, 'seasonality') ?? 'auto') as DetectOptions['seasonality'];
  if (!['auto', 'none', 'hour_of_week'].includes(seasonality)) throw new CsvError('--seasonality is auto, none or hour_of_week');
  return { file, options: { sensitivity, direction, window, seasonality, all: args.includes('--all') } };
}

export async function runDetect(args: string[], output: NodeJS.WritableStream, errors: NodeJS.WritableStream): Promise<number> {
  let parsed: ReturnType<typeof parseDetectArgs>;
  let points: SeriesPoint[];
  try {
    parsed = parseDetectArgs(args);
    points = parseSeriesCsv(await readFile(parsed.file, 'utf8'));
  } catch (error) {
    const message =
      error instanceof CsvError
        ? error.message
        : error instanceof Error && 'code' in error
          ? `cannot read the file (${String((error as NodeJS.ErrnoException).code)})`
          : 'cannot read the series';
    errors.write(`detect: ${message}\n`);
    return 2;
  }
  const lines = detectLines(points, parsed.options);
  await new Promise<void>((resolve) => output.write(lines.length ? `${lines.join('\n')}\n` : '', () => resolve()));
  errors.write(
    `detect: ${points.length} points, ${parsed.options.all ? lines.filter((line) => line.includes('"anomalous":true')).length : lines.length} anomalous\n`,
  );
  return 0;
}
