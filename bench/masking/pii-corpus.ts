// The shared labelled PII corpus (/work/shared/pii-corpus, i.e. ../shared/pii-corpus beside the repo) and
// its README's scoring rules: a positive passes when its `secret` is absent from the masked text, a
// negative passes when the masked text is byte-identical to the input.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface CorpusCase {
  text: string;
  category: string;
  /** Positives only. */
  secret?: string;
  file: string;
}

export interface CategoryScore {
  passed: number;
  total: number;
}

export interface CorpusScore {
  /** Positives whose secret was removed / all positives. */
  recall: number;
  /** Negatives left byte-identical / all negatives. */
  negativesIntact: number;
  positives: CategoryScore;
  negatives: CategoryScore;
  byCategory: Record<string, CategoryScore>;
  /** Masking threw on the case: counted as a failure. */
  errors: number;
}

/** Beside the repository root, as the issue names it: `../shared/pii-corpus`. PII_CORPUS_DIR overrides. */
export function piiCorpusDirectory(repositoryRoot: string): string {
  return process.env.PII_CORPUS_DIR ?? path.resolve(repositoryRoot, '..', 'shared', 'pii-corpus');
}

export function loadPiiCorpus(directory: string): CorpusCase[] {
  if (!existsSync(directory)) throw new Error(`PII corpus not found at ${directory} (set PII_CORPUS_DIR)`);
  return readdirSync(directory)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .flatMap((file) =>
      readFileSync(path.join(directory, file), 'utf8')
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => {
          const parsed = JSON.parse(line) as { text: string; category: string; secret?: string };
          return { text: parsed.text, category: parsed.category, secret: parsed.secret, file };
        }),
    );
}

/** The README's rule for one case. */
export function casePasses(corpusCase: CorpusCase, masked: string): boolean {
  if (corpusCase.category === 'negative') return masked === corpusCase.text;
  if (corpusCase.secret === undefined) throw new Error(`positive case without a secret: ${corpusCase.file}`);
  return !masked.includes(corpusCase.secret);
}

export async function scoreCorpus(cases: CorpusCase[], mask: (text: string) => string | Promise<string>): Promise<CorpusScore> {
  const byCategory: Record<string, CategoryScore> = {};
  const positives = { passed: 0, total: 0 };
  const negatives = { passed: 0, total: 0 };
  let errors = 0;
  for (const corpusCase of cases) {
    let passed = false;
    try {
      passed = casePasses(corpusCase, await mask(corpusCase.text));
    } catch {
      errors++;
    }
    const category = (byCategory[corpusCase.category] ??= { passed: 0, total: 0 });
    const side = corpusCase.category === 'negative' ? negatives : positives;
    for (const score of [category, side]) {
      score.total++;
      if (passed) score.passed++;
    }
  }
  return {
    recall: positives.total ? positives.passed / positives.total : Number.NaN,
    negativesIntact: negatives.total ? negatives.passed / negatives.total : Number.NaN,
    positives,
    negatives,
    byCategory,
    errors,
  };
}
