// `npm run bench [-- --only=config,masking] [-- --quick]`: runs the benchmarks one after the other (never two
// at once: they share two cores), prints one table, and writes bench/results.json.
import path from 'node:path';
import { benchConfigPoll } from './config-poll';
import { benchDetector } from './detector';
import { benchIngest } from './ingest';
import { benchLiveTail } from './live-tail';
import { benchMasking } from './masking';
import { benchOtlpDecode } from './otlp-decode';
import { benchReports } from './reports';
import type { Benchmark, BenchmarkContext } from './support/benchmark';
import { describeMachine, markdownTable, writeResults, type BenchRun } from './support/report';

const benchmarks: Benchmark[] = [
  { name: 'masking', run: benchMasking },
  { name: 'config', run: benchConfigPoll },
  { name: 'ingest', run: benchIngest },
  { name: 'otlp-decode', run: benchOtlpDecode },
  { name: 'reports', run: benchReports },
  { name: 'detector', run: benchDetector },
  { name: 'tail', run: benchLiveTail },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
  const context: BenchmarkContext = { quick: args.includes('--quick'), log: (line) => console.log(line) };
  const unknown = only?.filter((name) => !benchmarks.some((benchmark) => benchmark.name === name)) ?? [];
  if (unknown.length) throw new Error(`Unknown benchmark(s) ${unknown.join(', ')}; known: ${benchmarks.map((benchmark) => benchmark.name).join(', ')}`);

  const run: BenchRun = { startedAt: new Date().toISOString(), machine: describeMachine(), rows: [], details: {}, skipped: [] };
  console.log(`Machine: ${run.machine.cpus} CPUs, ${run.machine.cpuModel}, Node ${run.machine.node}`);
  for (const benchmark of benchmarks) {
    if (only && !only.includes(benchmark.name)) continue;
    const started = Date.now();
    console.log(`\n# ${benchmark.name}`);
    try {
      const outcome = await benchmark.run(context);
      run.rows.push(...outcome.rows);
      run.details[benchmark.name] = { ...outcome.details, seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.error(`  ${benchmark.name} failed: ${reason}`);
      run.skipped.push({ benchmark: benchmark.name, reason });
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  run.finishedAt = new Date().toISOString();
  console.log(`\n${markdownTable(run.rows)}\n`);
  for (const row of run.rows) if (row.note) console.log(`- ${row.benchmark}, ${row.measure}: ${row.note}`);
  for (const skipped of run.skipped) console.log(`Not measured: ${skipped.benchmark}: ${skipped.reason}`);
  const file = path.resolve(__dirname, '..', '..', 'bench', 'results.json');
  writeResults(file, run);
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
  process.exitCode = run.skipped.length ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
