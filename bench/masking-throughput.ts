// Masking throughput over a mixed, realistic log corpus, one core: `npm run build && node dist/bench/masking-throughput.js [MB]`.
// Not a test: it prints MB/s for maskText over log lines and for maskValue over structured log items.
import { performance } from 'node:perf_hooks';
import { getMaskingEngine } from '../shared/domain/masking';
import { buildLogCorpus } from './log-corpus';

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
  const megabytes = bytes / 1024 / 1024;
  console.log(
    `${label}: ${megabytes.toFixed(1)} MB, ${(megabytes / (bestCpu / 1000)).toFixed(1)} MB/s of CPU time (${bestCpu.toFixed(0)} ms), ` +
      `${(megabytes / (bestWall / 1000)).toFixed(1)} MB/s wall (${bestWall.toFixed(0)} ms); ${masked} redactions`,
  );
}

const targetMegabytes = Number(process.argv[2] ?? 5);
const engine = getMaskingEngine();
const lines = buildLogCorpus(targetMegabytes * 1024 * 1024);
const corpusBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
const sensitiveShare = lines.filter((line) => engine.maskText(line).rules.length > 0).length / lines.length;
console.log(`corpus: ${lines.length} lines, ${(corpusBytes / 1024 / 1024).toFixed(1)} MB, ${(sensitiveShare * 100).toFixed(1)}% of lines with something to mask`);

measure('maskText per line', corpusBytes, () => {
  let count = 0;
  for (const line of lines) count += engine.maskText(line).rules.length;
  return count;
});

// Structured items as ingest sees them: a message plus context/attributes objects.
const items = lines.slice(0, Math.min(lines.length, 100_000)).map((line, index) => ({
  message: line,
  level: 'info',
  context: { screen: 'Checkout', attempt: index % 3, tags: ['mobile', 'beta'], user: { locale: 'en-US', plan: 'pro' } },
  attributes: { 'http.method': 'GET', 'http.status_code': 200, 'net.peer.name': 'api.example.com' },
}));
const itemBytes = items.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)), 0);
measure('maskValue per item (JSON bytes)', itemBytes, () => {
  let count = 0;
  for (const item of items) count += engine.maskValue(item).redaction.count;
  return count;
});
