// `npm run bench [-- --only config,masking | --only=config] [-- --quick]`: runs the benchmarks one after the other (never two
// at once: they share two cores), prints one table, and writes bench/results.json.
import path from 'node:path';
import { benchConfigPoll } from './config-poll';
import { benchDetector } from './detector';
import { benchIngest } from './ingest';
import { benchLiveTail } from './live-tail';
import { benchMasking } from './masking';
import { benchOtlpDecode } from './otlp-decode';
import { benchReports } from './reports';
import { benchRequestUnits } from './request-units';
import { benchScale } from './scale';
import type { Benchmark, BenchmarkContext } from './support/benchmark';
import { describeMachine, markdownTable, mergeResults, readResults, writeResults, type BenchResults, type GroupResult } from './support/report';

const benchmarks: Benchmark[] = [
  { name: 'masking', run: benchMasking },
  { name: 'config', run: benchConfigPoll },
  { name: 'ingest', run: benchIngest },
  { name: 'otlp-decode', run: benchOtlpDecode },
  { name: 'reports', run: benchReports },
  { name: 'detector', run: benchDetector },
  { name: 'tail', run: benchLiveTail },
  { name: 'scale', run: benchScale },
  { name: 'ru', run: benchRequestUnits },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // `--only=a,b` or `--only a,b` (or `--only a --only b`): the groups to run.
  const onlyValues = args.flatMap((arg, index) =>
    arg.startsWith('--only=') ? [arg.slice('--only='.length)] : arg === '--only' && args[index + 1] ? [args[index + 1]!] : [],
  );
  const only = onlyValues.length ? onlyValues.flatMap((value) => value.split(',')).filter(Boolean) : undefined;
  const context: BenchmarkContext = { quick: args.includes('--quick'), log: (line) => console.log(line) };
  const unknown = only?.filter((name) => !benchmarks.some((benchmark) => benchmark.name === name)) ?? [];
  if (unknown.length) throw new Error(`Unknown benchmark(s) ${unknown.join(', ')}; known: ${benchmarks.map((benchmark) => benchmark.name).join(', ')}`);

  const machine = describeMachine();
  const groups: Record<string, GroupResult> = {};
  const skipped: BenchResults['skipped'] = [];
  console.log(`Machine: ${machine.cpus} CPUs, ${machine.cpuModel}, Node ${machine.node}`);
  for (const benchmark of benchmarks) {
    if (only && !only.includes(benchmark.name)) continue;
    const started = Date.now();
    console.log(`\n# ${benchmark.name}`);
    try {
      const outcome = await benchmark.run(context);
      const seconds = (Date.now() - started) / 1000;
      groups[benchmark.name] = {
        measuredAt: new Date(started).toISOString(),
        machine,
        quick: context.quick,
        seconds,
        rows: outcome.rows,
        details: outcome.details,
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.error(`  ${benchmark.name} failed: ${reason}`);
      skipped.push({ benchmark: benchmark.name, reason });
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const rows = Object.values(groups).flatMap((group) => group.rows);
  console.log(`\n${markdownTable(rows)}\n`);
  for (const row of rows) if (row.note) console.log(`- ${row.benchmark}, ${row.measure}: ${row.note}`);
  for (const failed of skipped) console.log(`Not measured: ${failed.benchmark}: ${failed.reason}`);
  const file = path.resolve(__dirname, '..', '..', 'bench', 'results.json');
  const results = mergeResults(
    readResults(file),
    { groups, skipped },
    benchmarks.map((benchmark) => benchmark.name),
    new Date(),
  );
  writeResults(file, results);
  const kept = Object.keys(results.groups).filter((name) => !groups[name]);
  console.log(`Wrote ${path.relative(process.cwd(), file)}${kept.length ? ` (kept the earlier results of ${kept.join(', ')})` : ''}`);
  process.exitCode = skipped.length ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
