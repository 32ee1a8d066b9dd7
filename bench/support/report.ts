// What `npm run bench` prints and writes to bench/results.json: one row per figure, each next to the
// ceiling or peer measured in the same run, the ratio between them, and the target it is held to.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export interface Row {
  benchmark: string;
  measure: string;
  /** Our figure. */
  value: number;
  unit: string;
  /** The ceiling or peer measured side by side, and what it is. */
  reference?: { value: number; label: string };
  /** value / reference, shown as a percentage; for latencies and costs (`lowerIsBetter`) shown as a multiple. */
  ratio?: number;
  lowerIsBetter?: boolean;
  /** How the ratio reads best: `percent` of a ceiling (default) or a `multiple` of a peer. */
  ratioAs?: 'percent' | 'multiple';
  target?: string;
  /** undefined when the row has no target of its own. */
  met?: boolean;
  note?: string;
  /** Shown instead of the formatted numbers, e.g. `12 / 45` for p50 / p99. */
  valueText?: string;
  referenceText?: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemoryGb: number;
}

/** One group's part of bench/results.json: its rows, everything else it measured, and when and where. */
export interface GroupResult {
  measuredAt: string;
  machine: Machine;
  quick: boolean;
  seconds: number;
  rows: Row[];
  /** Everything the benchmark measured, for whoever wants more than the table. */
  details: unknown;
}

/**
 * bench/results.json: the latest result of every group. A run of some groups (`--only`) replaces theirs and keeps
 * the others', so the file always holds the whole table, each group with the time it was measured.
 */
export interface BenchResults {
  updatedAt: string;
  groups: Record<string, GroupResult>;
  /** Every group's rows, in the suite's order. */
  rows: Row[];
  /** Groups of the latest run that could not run, and why (their previous result, if any, is kept). */
  skipped: Array<{ benchmark: string; reason: string }>;
}

export function describeMachine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const found = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (found) cpuModel = found[1]!.trim();
  } catch {
    // Not Linux: os.cpus() already gave the model.
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    totalMemoryGb: Math.round(os.totalmem() / 1024 ** 3),
  };
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function ratioText(row: Row): string {
  if (row.ratio === undefined || !Number.isFinite(row.ratio)) return '';
  if (row.lowerIsBetter || row.ratioAs === 'multiple') return `${row.ratio >= 10 ? row.ratio.toFixed(0) : row.ratio.toFixed(2)}×`;
  return `${(row.ratio * 100).toFixed(0)} %`;
}

/** A row comparing our figure with the one measured beside it. */
export function compared(row: Omit<Row, 'ratio'> & { reference: { value: number; label: string } }): Row {
  return { ...row, ratio: row.value / row.reference.value };
}

function metText(row: Row): string {
  return row.met === undefined ? '' : row.met ? 'yes' : 'NO';
}

/** The rows as a Markdown table: the same text is printed and pasted into docs/performance.md. */
export function markdownTable(rows: Row[]): string {
  const header = ['benchmark', 'measure', 'ours', 'ceiling / peer', 'ratio', 'target', 'met'];
  const lines = rows.map((row) => [
    row.benchmark,
    row.measure,
    `${row.valueText ?? format(row.value)} ${row.unit}`,
    row.reference ? `${row.referenceText ?? format(row.reference.value)} ${row.unit} (${row.reference.label})` : '',
    ratioText(row),
    row.target ?? '',
    metText(row),
  ]);
  const all = [header, header.map(() => '---'), ...lines];
  return all.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The previous results, or undefined when there are none or they are from before groups were kept apart. */
export function readResults(file: string): BenchResults | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchResults>;
    return parsed.groups && typeof parsed.groups === 'object' ? (parsed as BenchResults) : undefined;
  } catch {
    return undefined;
  }
}

/** This run's groups over the previous results: the groups run now replace theirs; `order` is the suite's. */
export function mergeResults(
  previous: BenchResults | undefined,
  run: { groups: Record<string, GroupResult>; skipped: BenchResults['skipped'] },
  order: readonly string[],
  now: Date,
): BenchResults {
  const merged = { ...previous?.groups, ...run.groups };
  const groups: Record<string, GroupResult> = {};
  for (const name of [...order, ...Object.keys(merged).filter((name) => !order.includes(name))]) if (merged[name]) groups[name] = merged[name];
  return { updatedAt: now.toISOString(), groups, rows: Object.values(groups).flatMap((group) => group.rows), skipped: run.skipped };
}

export function writeResults(file: string, results: BenchResults): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

export interface GrowthPoint {
  size: number;
  cost: number;
  /** Shown instead of the figure (a size that could not be measured, say). */
  valueText?: string;
  note?: string;
}

/**
 * A growth curve as rows: each size beside the smallest size's cost, held flat or scaled linearly (what the
 * design expects), and the exponent k of cost ∝ size^k fitted over every size, with its target.
 */
export function growthRows(options: {
  benchmark: string;
  measure: (size: number) => string;
  unit: string;
  points: GrowthPoint[];
  expect: 'flat' | 'linear';
  exponent: { measure: string; target: string; limit: number; value: number };
}): Row[] {
  const measured = options.points.filter((point) => point.valueText === undefined);
  const smallest = measured[0];
  const rows: Row[] = options.points.map((point) => {
    const row: Row = {
      benchmark: options.benchmark,
      measure: options.measure(point.size),
      value: point.cost,
      unit: options.unit,
      lowerIsBetter: true,
      valueText: point.valueText,
      note: point.note,
    };
    if (smallest && point !== smallest && point.valueText === undefined) {
      const expected = options.expect === 'flat' ? smallest.cost : (smallest.cost * point.size) / smallest.size;
      const label = `${smallest.size.toLocaleString('en-US')} ${options.expect === 'flat' ? 'held flat' : 'scaled linearly'}`;
      row.reference = { value: expected, label };
      row.ratio = point.cost / expected;
    }
    return row;
  });
  rows.push({
    benchmark: options.benchmark,
    measure: options.exponent.measure,
    value: options.exponent.value,
    unit: '',
    target: options.exponent.target,
    met: options.exponent.value <= options.exponent.limit,
  });
  return rows;
}
