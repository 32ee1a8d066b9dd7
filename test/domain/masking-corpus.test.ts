// The labelled PII corpus (../shared/pii-corpus, beside the repo): every positive's secrets gone, every negative
// byte-identical, with the score printed. One negative is mislabelled for our purpose and asserted exactly.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMaskingEngine } from '../../shared/config/masking-rules';

const corpusDirectory = path.resolve(__dirname, '../../../shared/pii-corpus');

interface CorpusCase {
  text: string;
  category: string;
  secret?: string;
  all_secrets?: string[];
  negative_kind?: string;
  file: string;
  line: number;
}

/**
 * A negative of presidio's IBAN suite ("not an IBAN") whose text holds a US phone number in an address line.
 * The engine masks that phone number on purpose; the case is asserted to change in exactly that way.
 */
const phoneInsideIbanNegatives: Record<string, string> = {
  "Dalla's Pizza | 3843 Peartree Road, Bamblee, SD 20241 440-600-5124": "Dalla's Pizza | 3843 Peartree Road, Bamblee, SD 20241 [PHONE]",
};

function loadCorpus(): CorpusCase[] {
  return readdirSync(corpusDirectory)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .flatMap((file) =>
      readFileSync(path.join(corpusDirectory, file), 'utf8')
        .split('\n')
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => line.trim() !== '')
        .map(({ line, index }) => ({ ...(JSON.parse(line) as Omit<CorpusCase, 'file' | 'line'>), file, line: index + 1 })),
    );
}

const corpusPresent = existsSync(corpusDirectory);
if (!corpusPresent) console.warn(`PII corpus not found at ${corpusDirectory}: the corpus test is skipped`);

describe.skipIf(!corpusPresent)('masking engine against the PII corpus', () => {
  const corpus = corpusPresent ? loadCorpus() : [];
  const engine = loadMaskingEngine();

  it('masks every secret of every positive and leaves every negative byte-identical', () => {
    const leaks: string[] = [];
    const changedNegatives: string[] = [];
    const score = new Map<string, { passed: number; total: number }>();
    for (const item of corpus) {
      const result = engine.maskText(item.text);
      const where = `${item.file}:${item.line}`;
      const bucket = score.get(item.category) ?? { passed: 0, total: 0 };
      bucket.total++;
      score.set(item.category, bucket);
      if (item.category === 'negative') {
        const expected = phoneInsideIbanNegatives[item.text] ?? item.text;
        if (result.text === expected) bucket.passed++;
        else changedNegatives.push(`${where} ${JSON.stringify(item.text)} -> ${JSON.stringify(result.text)} (${result.rules.join(',')})`);
        continue;
      }
      const secrets = [item.secret!, ...(item.all_secrets ?? [])];
      const leaked = secrets.filter((secret) => result.text.includes(secret));
      if (leaked.length === 0 && result.rules.length > 0) bucket.passed++;
      else leaks.push(`${where} ${item.category} ${JSON.stringify(item.text)} -> ${JSON.stringify(result.text)}`);
    }
    const positives = [...score].filter(([category]) => category !== 'negative');
    const positivePassed = positives.reduce((sum, [, bucket]) => sum + bucket.passed, 0);
    const positiveTotal = positives.reduce((sum, [, bucket]) => sum + bucket.total, 0);
    const negatives = score.get('negative') ?? { passed: 0, total: 0 };
    console.log(
      `PII corpus: positives masked ${positivePassed}/${positiveTotal}, negatives byte-identical ${negatives.passed - Object.keys(phoneInsideIbanNegatives).length}/${negatives.total}` +
        ` (+${Object.keys(phoneInsideIbanNegatives).length} holding a phone number, masked as asserted) | ` +
        [...score].map(([category, bucket]) => `${category} ${bucket.passed}/${bucket.total}`).join(', '),
    );
    expect(leaks).toEqual([]);
    expect(changedNegatives).toEqual([]);
    expect(positiveTotal).toBeGreaterThan(300);
  });

  it('names the rule of the category in the remarks', () => {
    const ruleOf: Record<string, string[]> = {
      email: ['email'],
      ssn: ['us_ssn', 'us_ssn_bare'],
      credit_card: ['credit_card'],
      phone: ['phone', 'phone_national', 'phone_in_context'],
      ip: ['ipv4', 'ipv6'],
      iban: ['iban'],
      credential_kv: ['credential_assignment'],
    };
    const wrong = corpus
      .filter((item) => item.category !== 'negative')
      .filter((item) => !engine.maskText(item.text).rules.some((rule) => ruleOf[item.category]?.includes(rule)))
      .map((item) => `${item.file}:${item.line} ${item.category} ${JSON.stringify(item.text)} -> ${engine.maskText(item.text).rules.join(',')}`);
    expect(wrong).toEqual([]);
  });
});
