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

export interface BenchRun {
  startedAt: string;
  finishedAt?: string;
  machine: Machine;
  rows: Row[];
  /** Everything each benchmark measured, for whoever wants more than the table. */
  details: Record<string, unknown>;
  /** Benchmarks that could not run, and why. */
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

export function writeResults(file: string, run: BenchRun): void {
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
}
