// Masking throughput of our engine alone, one core: `npx tsc -p bench/tsconfig.json && node dist/bench/masking-throughput.js [lines]`.
// Not a test. Uses the shared seeded corpus (bench/support/realistic-logs.ts) and prints MB/s for maskText per line
// and for maskValue per structured item, in CPU time and wall time, plus what it caught of the planted secrets.
import { performance } from 'node:perf_hooks';
import { loadMaskingEngine } from '../shared/config/masking-rules';
import { realisticLogLines, utf8Bytes } from './support/realistic-logs';

/**
 * Best of five rounds, timed in CPU time of this process (user + system) as well as wall time: on a shared machine
 * the wall clock also counts time the core spent on other processes, CPU time does not.
 */
function measure(label: string, bytes: number, run: () => number): void {
  run(); // warm-up: compile the regexes and let the JIT settle
  let bestCpu = Infinity;
  let bestWall = Infinity;
  let masked = 0;
  for (let round = 0; round < 5; round++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    masked = run();
    bestWall = Math.min(bestWall, performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
  }
  const megabytes = bytes / 1_000_000;
  console.log(
    `${label}: ${megabytes.toFixed(1)} MB, ${(megabytes / (bestCpu / 1000)).toFixed(1)} MB/s of CPU time (${bestCpu.toFixed(0)} ms), ` +
      `${(megabytes / (bestWall / 1000)).toFixed(1)} MB/s wall (${bestWall.toFixed(0)} ms); ${masked} redactions`,
  );
}

const lineCount = Number(process.argv[2] ?? 40_000);
const engine = loadMaskingEngine();
const lines = realisticLogLines(lineCount);
const bytes = utf8Bytes(lines);
const planted = lines.flatMap((line) => line.secrets.map((secret) => ({ line: line.text, secret })));
const leaked = planted.filter(({ line, secret }) => engine.maskText(line).text.includes(secret));
const ordinary = lines.filter((line) => line.secrets.length === 0);
const touched = ordinary.filter((line) => engine.maskText(line.text).text !== line.text);
console.log(
  `corpus: ${lines.length} lines, ${(bytes / 1_000_000).toFixed(1)} MB; planted secrets caught ${planted.length - leaked.length}/${planted.length}; ` +
    `ordinary lines untouched ${ordinary.length - touched.length}/${ordinary.length}`,
);
for (const { line } of leaked.slice(0, 5)) console.log(`  leaked: ${line}`);
for (const { text } of touched.slice(0, 5)) console.log(`  touched: ${text} -> ${engine.maskText(text).text}`);

measure('maskText per line', bytes, () => {
  let count = 0;
  for (const line of lines) count += engine.maskText(line.text).rules.length;
  return count;
});

// Structured items as ingest sees them: a message plus context and attributes objects.
const items = lines.map((line, index) => ({
  message: line.text,
  level: line.level,
  module: line.module,
  context: { screen: 'Checkout', attempt: index % 3, tags: ['mobile', 'beta'], user: { locale: 'en-US', plan: 'pro' } },
  attributes: { 'http.method': 'GET', 'http.status_code': 200, 'net.peer.name': 'api.example.com' },
}));
const itemBytes = items.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)), 0);
measure('maskValue per item (JSON bytes)', itemBytes, () => {
  let count = 0;
  for (const item of items) count += engine.maskValue(item).redaction.count;
  return count;
});
