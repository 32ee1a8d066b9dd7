// Report generation for sessions of 1k, 10k and 50k logs, folded in from bench/report-generation.ts (the
// reports work owns the seeding and the timed call). Each size is set beside the 1k run scaled linearly,
// so the table shows growth measured in the same run; the exponent is the log-log slope from 1k to the largest.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ReportGenerationRow } from './report-generation';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import type { Row } from './support/report';
import { fittedGrowthExponent, median } from './support/statistics';

const TEN_THOUSAND_TARGET_IN_MS = 10_000;
/** The whole `npm run bench` should stay near five minutes; BENCH_REPORTS_BUDGET_SECONDS overrides. */
const DEFAULT_BUDGET_IN_SECONDS = 180;
/** The progress line bench/report-generation.ts prints after each timed report. */
const PROGRESS_LINE = /^\s*(\d+) logs \/ (\d+) spans: report in (\d+) ms \(server (\d+) ms/;

interface Outcome {
  sizes: ReportGenerationRow[];
  /** Set when the budget ran out before every size finished. */
  timedOutAfterSeconds?: number;
  /** Set when a size failed (e.g. the report call answered 503): the sizes before it still count. */
  failure?: string;
}

/**
 * Runs the reports work's benchmark in its own process group (it starts Cosmos, Azurite and a host), reading
 * its progress lines; past the budget the group is ended and the sizes finished so far are kept.
 */
function runReportGeneration(context: BenchmarkContext, budgetInSeconds: number): Promise<Outcome> {
  if (!existsSync(path.join(__dirname, 'report-generation.js'))) {
    return Promise.reject(new Error('bench/report-generation.ts (from the reports work) has not landed yet'));
  }
  const child = fork(path.join(__dirname, 'servers', 'report-generation-runner.js'), [], {
    env: { ...process.env, BENCH_QUICK: context.quick ? '1' : '0' },
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const finished: ReportGenerationRow[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      resolve({ sizes: finished, timedOutAfterSeconds: budgetInSeconds });
    }, budgetInSeconds * 1000);
    child.on('message', (message: { log?: string; rows?: ReportGenerationRow[]; error?: string }) => {
      if (message.log !== undefined) {
        context.log(message.log);
        const progress = PROGRESS_LINE.exec(message.log);
        if (progress) {
          const [logs, spans, ms, serverMs] = progress.slice(1).map(Number) as [number, number, number, number];
          const known = finished.find((size) => size.logs === logs);
          if (known) known.runs.push(ms);
          else finished.push({ logs, spans, runs: [ms], medianMs: ms, serverMs, seedSeconds: Number.NaN, htmlBytes: Number.NaN });
          const updated = finished.find((size) => size.logs === logs)!;
          updated.medianMs = median(updated.runs);
        }
      }
      if (message.rows) {
        clearTimeout(timer);
        resolve({ sizes: message.rows });
      }
      if (message.error !== undefined) {
        clearTimeout(timer);
        resolve({ sizes: finished, failure: message.error });
      }
    });
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) {
        clearTimeout(timer);
        reject(new Error(`report generation exited with code ${code}`));
      }
    });
  });
}

export async function benchReports(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const budget = Number(process.env.BENCH_REPORTS_BUDGET_SECONDS ?? DEFAULT_BUDGET_IN_SECONDS);
  const outcome = await runReportGeneration(context, budget);
  const failures = outcome.sizes.filter((size) => size.failure !== undefined || !Number.isFinite(size.medianMs));
  const sizes = outcome.sizes.filter((size) => !failures.includes(size));
  const smallest = sizes[0];
  if (!smallest) throw new Error('report generation returned no sizes');
  const rows: Row[] = sizes.map((size) => {
    const linear = (smallest.medianMs * size.logs) / smallest.logs;
    return {
      benchmark: 'reports',
      measure: `report for ${size.logs.toLocaleString('en-US')} logs + ${size.spans.toLocaleString('en-US')} spans, end to end (server ${(size.serverMs / 1000).toFixed(2)} s)`,
      value: size.medianMs / 1000,
      unit: 's',
      ...(size === smallest
        ? {}
        : {
            reference: { value: linear / 1000, label: `${smallest.logs.toLocaleString('en-US')}-log run scaled linearly` },
            ratio: size.medianMs / linear,
            lowerIsBetter: true,
          }),
      ...(size.logs === 10_000 ? { target: 'well under 10 s', met: size.medianMs < TEN_THOUSAND_TARGET_IN_MS } : {}),
    };
  });
  const exponent = fittedGrowthExponent(sizes.map((size) => ({ size: size.logs, cost: size.medianMs / 1000 })));
  if (sizes.length >= 2)
    rows.push({
      benchmark: 'reports',
      measure: `growth exponent k (time ∝ logs^k, least-squares fit over every size), ${smallest.logs.toLocaleString('en-US')} to ${sizes[sizes.length - 1]!.logs.toLocaleString('en-US')} logs`,
      value: exponent,
      unit: '',
      target: 'linear or better (k ≤ 1)',
      met: exponent <= 1,
    });
  if (outcome.timedOutAfterSeconds !== undefined || outcome.failure !== undefined || failures.length > 0) {
    const expected = context.quick ? [1_000, 10_000] : [1_000, 10_000, 50_000];
    const missing = expected.filter((logs) => !sizes.some((size) => size.logs === logs));
    const reasons = [...failures.map((size) => size.failure ?? `${size.logs} logs: no figure`), ...(outcome.failure !== undefined ? [outcome.failure] : [])];
    const why = reasons.length ? `without a figure (${reasons.join('; ')})` : `not finished within the ${outcome.timedOutAfterSeconds} s budget`;
    rows.push({
      benchmark: 'reports',
      measure: `sizes ${why}: ${missing.map((logs) => `${logs.toLocaleString('en-US')} logs`).join(', ') || 'none (a repeat run was cut)'}`,
      value: missing.length,
      valueText: String(missing.length),
      unit: 'sizes',
      target: 'all sizes within the budget',
      met: missing.length === 0,
    });
  }
  return {
    rows,
    details: {
      sizes: outcome.sizes,
      growthExponent: exponent,
      budgetSeconds: budget,
      timedOutAfterSeconds: outcome.timedOutAfterSeconds,
      failure: outcome.failure,
    },
  };
}
