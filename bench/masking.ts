// Masking: throughput (MB/s on one core) over a mixed, realistic log corpus and recall on the shared PII
// corpus, for our engine side by side with the JavaScript libraries a team would otherwise pick.
import { performance } from 'node:perf_hooks';
import { loadPeers, ourContender, type Contender } from './masking/contenders';
import { loadPiiCorpus, piiCorpusDirectory, scoreCorpus, type CorpusScore } from './masking/pii-corpus';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import { GENERATED_CATEGORIES, generatePiiCorpus, LOOKALIKE_KINDS, SEED_CATEGORIES, type GeneratedScore, type GeneratedCorpus } from './support/generated-pii';
import { repositoryRoot } from './support/paths';
import { realisticLogLines, utf8Bytes, type LogLine } from './support/realistic-logs';
import type { Row } from './support/report';
import { median } from './support/statistics';

const MEGABYTE = 1_000_000;
/** Lines checked for planted secrets and untouched ordinary lines, for every contender. */
const QUALITY_SAMPLE_LINES = 500;

interface Throughput {
  bytes: number;
  lines: number;
  seconds: number;
  /** MB per second of this process's CPU time: time the core spent on other processes does not count. */
  megabytesPerSecond: number;
  wallMegabytesPerSecond: number;
}

/** Lines masked between two readings of the clock: reading it per line cost ~80 ns, counted against every contender. */
const LINES_PER_CLOCK_READING = 16;

/**
 * Masks lines one at a time, as ingest does, from where the previous round stopped, until the time
 * budget is spent: a slow library is measured on a prefix of the same shuffled corpus, never cut short mid-line.
 * The harness adds as little as it can per line (byte counts worked out beforehand, the clock read every few
 * lines), since whatever it adds lowers the faster contender's figure the most.
 */
async function measure(contender: Contender, lines: LogLine[], lineBytes: Int32Array, cursor: { next: number }, budgetInMs: number): Promise<Throughput> {
  (globalThis as { gc?: () => void }).gc?.();
  let bytes = 0;
  let count = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < budgetInMs) {
    for (let step = 0; step < LINES_PER_CLOCK_READING; step++) {
      const index = cursor.next;
      cursor.next = (index + 1) % lines.length;
      if (contender.asynchronous) await contender.mask(lines[index]!.text);
      else contender.mask(lines[index]!.text);
      bytes += lineBytes[index]!;
    }
    count += LINES_PER_CLOCK_READING;
    elapsed = performance.now() - started;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    bytes,
    lines: count,
    seconds: elapsed / 1000,
    megabytesPerSecond: bytes / MEGABYTE / cpuSeconds,
    wallMegabytesPerSecond: bytes / MEGABYTE / (elapsed / 1000),
  };
}

interface Quality {
  plantedSecrets: number;
  plantedCaught: number;
  ordinaryLines: number;
  ordinaryUntouched: number;
}

async function quality(contender: Contender, lines: LogLine[]): Promise<Quality> {
  const result: Quality = { plantedSecrets: 0, plantedCaught: 0, ordinaryLines: 0, ordinaryUntouched: 0 };
  for (const line of lines) {
    const masked = await contender.mask(line.text);
    if (line.secrets.length === 0) {
      result.ordinaryLines++;
      if (masked === line.text) result.ordinaryUntouched++;
    }
    for (const secret of line.secrets) {
      result.plantedSecrets++;
      if (!masked.includes(secret)) result.plantedCaught++;
    }
  }
  return result;
}

const percent = (fraction: number) => fraction * 100;

/** The generated corpus (bench/support/generated-pii.ts) scored with one masker, which may be asynchronous. */
async function scoreGenerated(corpus: GeneratedCorpus, mask: Contender['mask']): Promise<GeneratedScore> {
  const masked = new Map<string, string>();
  for (const text of [...corpus.positives.map((item) => item.text), ...corpus.lookalikes.map((item) => item.text)]) {
    if (masked.has(text)) continue;
    try {
      masked.set(text, await mask(text));
    } catch {
      masked.set(text, text);
    }
  }
  const empty = () => ({ passed: 0, total: 0, failures: [] as string[] });
  const score: GeneratedScore = {
    recall: Object.fromEntries(GENERATED_CATEGORIES.map((category) => [category, empty()])) as GeneratedScore['recall'],
    precision: Object.fromEntries(LOOKALIKE_KINDS.map((kind) => [kind, empty()])) as GeneratedScore['precision'],
  };
  for (const item of corpus.positives) {
    const bucket = score.recall[item.category];
    bucket.total++;
    if (item.secrets.every((secret) => !masked.get(item.text)!.includes(secret))) bucket.passed++;
  }
  for (const item of corpus.lookalikes) {
    const bucket = score.precision[item.kind];
    bucket.total++;
    if (masked.get(item.text) === item.text) bucket.passed++;
  }
  return score;
}

const share = (bucket: { passed: number; total: number }) => bucket.passed / Math.max(1, bucket.total);

export async function benchMasking(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const lines = realisticLogLines(context.quick ? 2000 : 5000);
  const corpus = loadPiiCorpus(piiCorpusDirectory(repositoryRoot));
  const ours = ourContender();
  const { contenders: peers, unavailable } = await loadPeers();
  for (const peer of unavailable) context.log(`  ${peer.name} cannot run here: ${peer.reason}`);
  const contenders = [ours, ...peers];

  const rounds = context.quick ? 1 : 3;
  const budgetInMs = context.quick ? 500 : 1500;
  const lineBytes = Int32Array.from(lines, (line) => Buffer.byteLength(line.text));
  const cursors = new Map(contenders.map((contender) => [contender.name, { next: 0 }]));
  const runs = new Map<string, Throughput[]>(contenders.map((contender) => [contender.name, []]));
  for (const contender of contenders) await measure(contender, lines, lineBytes, cursors.get(contender.name)!, 300);
  for (let round = 0; round < rounds; round++) {
    for (const contender of contenders) runs.get(contender.name)!.push(await measure(contender, lines, lineBytes, cursors.get(contender.name)!, budgetInMs));
  }
  const speed = new Map(contenders.map((contender) => [contender.name, median(runs.get(contender.name)!.map((run) => run.megabytesPerSecond))]));

  // Smaller than the test's corpus (400 a category): the slowest peers take ~10 s for this one.
  const generated = generatePiiCorpus({ perCategory: context.quick ? 40 : 100, perKind: context.quick ? 20 : 50 });
  const generatedScores = new Map<string, GeneratedScore>();
  const scores = new Map<string, CorpusScore>();
  const qualities = new Map<string, Quality>();
  for (const contender of contenders) {
    scores.set(contender.name, await scoreCorpus(corpus, contender.mask));
    qualities.set(contender.name, await quality(contender, lines.slice(0, QUALITY_SAMPLE_LINES)));
    generatedScores.set(contender.name, await scoreGenerated(generated, contender.mask));
    context.log(
      `  ${contender.name.padEnd(16)} ${speed.get(contender.name)!.toFixed(2).padStart(8)} MB/s, pii-corpus recall ${percent(scores.get(contender.name)!.recall).toFixed(1)} %, negatives intact ${percent(scores.get(contender.name)!.negativesIntact).toFixed(1)} %`,
    );
  }

  const ourSpeed = speed.get(ours.name)!;
  const ourScore = scores.get(ours.name)!;
  const ourQuality = qualities.get(ours.name)!;
  const fastestPeer = [...peers].sort((a, b) => speed.get(b.name)! - speed.get(a.name)!)[0];
  const rows: Row[] = [];
  for (const peer of peers) {
    const peerSpeed = speed.get(peer.name)!;
    const fastest = peer === fastestPeer;
    rows.push({
      benchmark: 'masking',
      measure: `throughput (CPU time), mixed log corpus, 1 core, vs ${peer.name}${fastest ? ' (fastest peer)' : ''}`,
      value: ourSpeed,
      unit: 'MB/s',
      reference: { value: peerSpeed, label: `${peer.name} ${peer.version}` },
      ratio: ourSpeed / peerSpeed,
      ratioAs: 'multiple',
      ...(fastest ? { target: '≥ 2× the fastest peer', met: ourSpeed >= 2 * peerSpeed } : {}),
    });
  }
  for (const peer of peers) {
    const peerScore = scores.get(peer.name)!;
    rows.push({
      benchmark: 'masking',
      measure: `pii-corpus recall (${ourScore.positives.total} secrets) vs ${peer.name}`,
      value: percent(ourScore.recall),
      unit: '%',
      reference: { value: percent(peerScore.recall), label: peer.name },
      ratio: ourScore.recall / peerScore.recall,
      ratioAs: 'multiple',
      target: 'every secret caught',
      met: ourScore.positives.passed === ourScore.positives.total && ourScore.errors === 0,
    });
  }
  const bestNegatives = [...peers].sort((a, b) => scores.get(b.name)!.negativesIntact - scores.get(a.name)!.negativesIntact)[0];
  rows.push({
    benchmark: 'masking',
    measure: `pii-corpus negatives left byte-identical (${ourScore.negatives.total})`,
    value: percent(ourScore.negativesIntact),
    unit: '%',
    ...(bestNegatives ? { reference: { value: percent(scores.get(bestNegatives.name)!.negativesIntact), label: `best peer: ${bestNegatives.name}` } } : {}),
  });
  const bestPlanted = [...peers].sort((a, b) => qualities.get(b.name)!.plantedCaught - qualities.get(a.name)!.plantedCaught)[0];
  rows.push({
    benchmark: 'masking',
    measure: `log corpus: planted secrets caught (${ourQuality.plantedSecrets} in ${QUALITY_SAMPLE_LINES} lines)`,
    value: percent(ourQuality.plantedCaught / ourQuality.plantedSecrets),
    unit: '%',
    ...(bestPlanted
      ? { reference: { value: percent(qualities.get(bestPlanted.name)!.plantedCaught / ourQuality.plantedSecrets), label: `best peer: ${bestPlanted.name}` } }
      : {}),
  });
  const bestUntouched = [...peers].sort((a, b) => qualities.get(b.name)!.ordinaryUntouched - qualities.get(a.name)!.ordinaryUntouched)[0];
  rows.push({
    benchmark: 'masking',
    measure: `log corpus: ordinary lines left unchanged (${ourQuality.ordinaryLines})`,
    value: percent(ourQuality.ordinaryUntouched / ourQuality.ordinaryLines),
    unit: '%',
    ...(bestUntouched
      ? {
          reference: {
            value: percent(qualities.get(bestUntouched.name)!.ordinaryUntouched / ourQuality.ordinaryLines),
            label: `best peer: ${bestUntouched.name}`,
          },
        }
      : {}),
  });

  // The generated corpus, per category: ours against the best peer on that category.
  const ourGenerated = generatedScores.get(ours.name)!;
  const bestOf = <K extends string>(pick: (score: GeneratedScore) => Record<K, { passed: number; total: number }>, key: K) =>
    [...peers].sort((a, b) => share(pick(generatedScores.get(b.name)!)[key]) - share(pick(generatedScores.get(a.name)!)[key]))[0];
  for (const category of GENERATED_CATEGORIES) {
    const bucket = ourGenerated.recall[category];
    const best = bestOf((score) => score.recall, category);
    const seed = SEED_CATEGORIES.includes(category);
    rows.push({
      benchmark: 'masking',
      measure: `generated corpus recall: ${category}${seed ? ' (seed)' : ''} (${bucket.total} cases)`,
      value: percent(share(bucket)),
      unit: '%',
      ...(best ? { reference: { value: percent(share(generatedScores.get(best.name)!.recall[category])), label: `best peer: ${best.name}` } } : {}),
      target: seed ? '100 %' : '≥ 99.5 %',
      met: seed ? bucket.passed === bucket.total : share(bucket) >= 0.995,
    });
  }
  for (const kind of LOOKALIKE_KINDS) {
    const bucket = ourGenerated.precision[kind];
    const best = bestOf((score) => score.precision, kind);
    rows.push({
      benchmark: 'masking',
      measure: `generated corpus look-alikes unchanged: ${kind} (${bucket.total} cases)`,
      value: percent(share(bucket)),
      unit: '%',
      ...(best ? { reference: { value: percent(share(generatedScores.get(best.name)!.precision[kind])), label: `best peer: ${best.name}` } } : {}),
      target: '≥ 99 %',
      met: share(bucket) >= 0.99,
    });
  }

  return {
    rows,
    details: {
      corpus: { lines: lines.length, bytes: utf8Bytes(lines), sensitiveLines: lines.filter((line) => line.secrets.length).length },
      piiCorpus: { cases: corpus.length },
      generatedCorpus: { positives: generated.positives.length, lookalikes: generated.lookalikes.length },
      contenders: Object.fromEntries(
        contenders.map((contender) => [
          contender.name,
          {
            version: contender.version,
            asynchronous: contender.asynchronous,
            runs: runs.get(contender.name),
            megabytesPerSecond: speed.get(contender.name),
            piiCorpus: scores.get(contender.name),
            logCorpus: qualities.get(contender.name),
            generatedCorpus: generatedScores.get(contender.name),
          },
        ]),
      ),
      unavailable,
    },
  };
}
