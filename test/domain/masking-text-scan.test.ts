// The masking engine's pre-check (text-scan.ts): its one-pass shape counts equal their regex definitions, and a
// rule it rules out has no match in that string: properties over the PII corpus, the realistic log corpus and
// mutations of both, plus table-driven cases of what each pre-check lets through.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePiiCorpus } from '../../bench/support/generated-pii';
import { realisticLogLines, seededRandom } from '../../bench/support/realistic-logs';
import { createMaskingEngine } from '../../shared/domain/masking';
import { loadMaskingRules } from '../../shared/config/masking-rules';
import { keywordSearchSource } from '../../shared/domain/masking/credential-scanner';
import { compileDetector, gateOf } from '../../shared/domain/masking/engine';
import { assignmentFollows, MASKS_PER_WORD, TextScanner, type RuleGate, type TextShape } from '../../shared/domain/masking/text-scan';
import { TEXT_SCAN_SOURCE_SHA256 } from '../../shared/domain/masking/wasm/text-scan-wasm';

const rules = loadMaskingRules().rules;
const scanner = new TextScanner(rules.map(gateOf));
const corpusDirectory = path.resolve(__dirname, '../../../shared/pii-corpus');

function corpusTexts(): string[] {
  if (!existsSync(corpusDirectory)) return [];
  return readdirSync(corpusDirectory)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => readFileSync(path.join(corpusDirectory, file), 'utf8').split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { text: string }).text);
}

/** Bits that move a string across a pre-check's edge: separators, colons, hex, keywords, case, non-ASCII. */
const FRAGMENTS = [
  ':',
  '::',
  '=',
  ' = ',
  '"',
  "'",
  '`',
  ' ',
  '  ',
  '\t',
  '-',
  '.',
  '@',
  '+',
  '?',
  '&',
  ';',
  '<',
  '>',
  '\\',
  '[',
  ']',
  '(',
  ')',
  '/',
  '$',
  '_',
  '0',
  '7',
  '1.2',
  'ab',
  'F',
  'DE',
  'é',
  'ñ',
  'İ',
  'ſ',
  'K',
  '→',
  'key',
  'Token',
  'PASSWORD',
  'secret',
  'auth',
  'api key',
  'sk-',
  'AKIA',
  'eyJ',
  'bearer ',
  '==',
  'Q~',
  '://',
];

/** The corpora and a deterministic set of mutations of them: cut, joined, spliced, case-flipped, fragments inserted. */
function sampleTexts(): string[] {
  // The generated corpus holds every rule's own positives (phones after keywords, CVVs, command lines, loose IBANs,
  // vendor tokens, random tokens) and their look-alikes: a pre-check that is wrong for a rule shows up on them.
  const generated = generatePiiCorpus({ seed: 5, perCategory: 120, perKind: 40 });
  const base = [
    ...corpusTexts(),
    ...[1, 2, 3].flatMap((seed) => realisticLogLines(1500, seed).map((line) => line.text)),
    ...generated.positives.map((item) => item.text),
    ...generated.lookalikes.map((item) => item.text),
  ];
  const random = seededRandom(7);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const mutated: string[] = [];
  for (let count = 0; count < 12_000; count++) {
    const text = pick(base);
    const at = Math.floor(random() * (text.length + 1));
    switch (count % 5) {
      case 0:
        mutated.push(text.slice(at, at + 1 + Math.floor(random() * 80)));
        break;
      case 1:
        mutated.push(text.slice(0, at) + pick(FRAGMENTS) + pick(FRAGMENTS) + text.slice(at + Math.floor(random() * 3)));
        break;
      case 2:
        mutated.push(text.slice(0, at) + pick(base).slice(0, 60) + text.slice(at));
        break;
      case 3:
        mutated.push(random() < 0.5 ? text.toUpperCase() : text.replace(/[a-z]/g, (char) => (random() < 0.3 ? char.toUpperCase() : char)));
        break;
      default:
        mutated.push(
          Array.from({ length: 2 + Math.floor(random() * 30) }, () => pick(FRAGMENTS) + (random() < 0.5 ? pick(['1', '2', '9', 'a', 'f', 'A', 'x']) : '')).join(
            '',
          ),
        );
    }
  }
  return [...base, ...mutated];
}

const texts = sampleTexts();

const detectors = rules.map(compileDetector);

/** Whether the rule's detector (regex, validator, context) accepts any candidate, free or not. */
function detectorFinds(rule: number, text: string): boolean {
  let found = false;
  detectors[rule]!(text, () => (found = true));
  return found;
}

/** The shape counts, each defined by a regex (or a count) over the string. */
function shapeByRegex(text: string): TextShape {
  const longest = (pattern: RegExp): number => Math.max(0, ...[...text.matchAll(pattern)].map((match) => match[0].replace(/\D/g, '').length));
  return {
    digits: (text.match(/\d/g) ?? []).length,
    digitRun: longest(/\d+/g),
    digitGroup: longest(/\d(?:[ \-.()+]{0,2}\d)*/g),
    dottedQuad: /\d\.\d+\.\d+\.\d/.test(text),
    ibanStart: /[A-Z]{2}\d\d/.test(text),
    colons: text.includes('::') || (text.match(/:/g) ?? []).length >= 6,
    hexColons: /::|(?:[0-9A-Fa-f]{1,4}:){6}/.test(text),
    ibanStartLoose: /(?<![A-Za-z0-9])(?:[A-Za-z]{2}\d\d|[A-Z]{2}[ \t]{1,2}\d\d)/.test(text),
    mixedToken: (() => {
      const token = 'A-Za-z0-9+/_~.-';
      const opens = new RegExp(`(?<=(?:^|[=:"'])[ \\t]*|(?<![${token}])-[${token}]*[ \\t]+)[${token}]{20,}`, 'g');
      const runs = text.match(opens) ?? [];
      return runs.some((run) => /[A-Z]/.test(run)) && runs.some((run) => /[a-z]/.test(run));
    })(),
    hexId: /(?<![\w-])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{7,64}(?![\w-])/.test(text),
    uuidStart: /(?<![\w-])[0-9A-Fa-f]{8}-/.test(text),
    ssnGroups: /(?<![\w.-])(?:\d{3}[- .]\d{2}[- .]\d{4}|\d{3}-\d{6}|\d{5}-\d{4})(?!\d)/.test(text),
    nationalPhone: /(?<!\d)\d{3}[-.]\d{3}[-.]\d{4}(?!\d)|\(\d{3}\)|(?<![\w.-])0\d{1,4}-\d|(?<![\w.-]|\d )0\d{1,3} \d/.test(text),
    nationalId:
      /(?<!\d)\d{6,8}-?[A-Z]|[A-Z]\d{3}[A-Z]|(?<!\d |\d)\d{4} \d{4} \d{4}(?! ?\d)|(?<!\d)(?:\d{3}\.\d{3}\.\d{3}|\d{3} \d{3} \d{2}|\d{6}[-+](?:\d{7}|\d{3,4}))(?!\d)|(?<!\d)\d{2}\.\d{2}\.\d{2}-\d/.test(
        text,
      ),
    letteredId: /\d{6}[A-Z]|[A-Z]\d{3}[A-Z]/.test(text),
    tokenBody: /[+\-./_~](?=[A-Za-z0-9]{13})(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[G-Zg-z])/.test(text),
  };
}

describe('text scanner: the WebAssembly main pass', () => {
  it('is built from text-scan.c as it is now (after an edit there, run `npm run build:wasm`)', () => {
    const source = readFileSync(path.resolve(__dirname, '../../shared/domain/masking/wasm/text-scan.c'));
    expect(createHash('sha256').update(source).digest('hex')).toBe(TEXT_SCAN_SOURCE_SHA256);
  });

  it('counts across its 64-byte words, for strings longer than its memory was, and longer than it keeps', () => {
    // Runs, groups and dotted quads that straddle word edges; 20 kB grows the kept instance, 100 kB (and non-ASCII
    // that UTF-8 makes longer than the string) gets one of its own; short strings after them use the kept one again.
    const edges = `${'x'.repeat(60)}1234 5678${'y'.repeat(53)}1.2.3.4${'z'.repeat(57)}12-34  56`;
    const long = `${edges}${'w'.repeat(20_000)}DE89 ${'9'.repeat(70)}`;
    const huge = `${edges}${'é'.repeat(50_000)} 4111 1111 1111 1111 ${'v'.repeat(10)}fe80::1`;
    for (const text of [long, long.slice(3), long.slice(0, 200), `${'a'.repeat(63)}::1`, huge, 'call 415.555.0132', huge.slice(1), edges]) {
      scanner.scan(text);
      expect(scanner.shape()).toEqual(shapeByRegex(text));
    }
  });

  it('equals the regex definitions on random strings dense in digits, separators and colons, across word edges', () => {
    // The wasm pass carries runs, groups, dotted quads, IBAN starts, `::` and colon chains from one 64-byte word to
    // the next: strings of 1 to 400 bytes built from the bytes those shapes turn on hit every edge many times.
    const random = seededRandom(11);
    const alphabet = ['1', '2', '0', '9', ' ', '-', '.', '(', ')', '+', ':', 'a', 'F', 'D', 'E', 'x', 'é', '_', '/', '~', 'q', 'Z'];
    const wrong: string[] = [];
    for (let count = 0; count < 6000; count++) {
      const length = 1 + Math.floor(random() ** 2 * 400);
      let text = '';
      while (text.length < length) {
        text +=
          random() < 0.08
            ? ['DE89', '1.2.3.4', '::', 'ab:cd:', 'de 89', 'DE  89', 'aB3_xY9/kLm+Qr~t', 'tuv-wxy.zab0cde1fgh', '="', "'", '\t', ' --k ', ' -'][
                Math.floor(random() * 13)
              ]!
            : alphabet[Math.floor(random() * alphabet.length)]!;
      }
      scanner.scan(text);
      const shape = scanner.shape();
      const expected = shapeByRegex(text);
      if (JSON.stringify(shape) !== JSON.stringify(expected)) wrong.push(`${JSON.stringify(text)}: ${JSON.stringify(shape)} != ${JSON.stringify(expected)}`);
    }
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it('tells token bodies (13 letters and digits after `+-./_~`) and whole-value tokens at every offset around word edges', () => {
    // Runs of 10 to 140 letters and digits after a mark (or after a blank, which is no mark), starting anywhere in the
    // first 140 bytes, so they cross one or two 64-byte words; a token alone from the string's start is a value.
    const wrong: string[] = [];
    for (let offset = 0; offset < 140; offset += 3) {
      for (const length of [10, 12, 13, 14, 20, 63, 64, 65, 130]) {
        for (const mark of ['_', '.', '~', '/', ' ']) {
          const body = 'k3J9x0Q2m8W4'.repeat(12).slice(0, length);
          const letters = 'kqJbxwQzmnWe'.repeat(12).slice(0, length);
          const hex = '3f2a9c0d1e7b'.repeat(12).slice(0, length);
          for (const text of [
            `${'w'.repeat(offset)}${mark}${letters}7 x`,
            `${'w'.repeat(offset)}${mark}7${letters} x`,
            `${'w'.repeat(offset)}${mark}${hex}`,
            `${'w'.repeat(offset)}${mark}${body} x`,
            `${body}${mark}${'Zq7'.repeat(offset % 9)}`,
          ]) {
            scanner.scan(text);
            const shape = scanner.shape();
            const expected = shapeByRegex(text);
            if (JSON.stringify(shape) !== JSON.stringify(expected))
              wrong.push(`${JSON.stringify(text)}: ${JSON.stringify(shape)} != ${JSON.stringify(expected)}`);
          }
        }
      }
    }
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it('tells hex ids and UUID starts of every length at every offset around a word edge', () => {
    // Runs of 5 to 70 hex digits (ids are 7 to 64 long), starting anywhere in the first 72 bytes, before a blank, a
    // dash, a word character or the end: the wasm pass reads them across 64-byte words, a bit mask at a time.
    const wrong: string[] = [];
    for (let offset = 0; offset < 72; offset++) {
      for (let length = 5; length <= 70; length++) {
        for (const [before, after] of [
          [' ', ' '],
          ['=', '-'],
          ['_', ' '],
          [' ', 'g'],
          ['-', ''],
          [' ', ''],
        ]) {
          const run = Array.from({ length }, (_, index) => '0123456789abcdefABCDEF'[(index * 7 + length) % 22]).join('');
          const text = `${' '.repeat(offset)}${before}${run}${after}${offset % 3 === 0 ? ' tail' : ''}`;
          scanner.scan(text);
          const { hexId, uuidStart } = scanner.shape();
          const expected = shapeByRegex(text);
          if (hexId !== expected.hexId || uuidStart !== expected.uuidStart) wrong.push(JSON.stringify(text));
        }
      }
    }
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it('keeps as many masks per 64-byte word as text-scan.ts makes room for', () => {
    // text-scan.ts lays out the masks, then the pair hits right after them: a mask more in the C than room here would
    // have the hits overwrite the masks of the words not yet read.
    const source = readFileSync(path.resolve(__dirname, '../../shared/domain/masking/wasm/text-scan.c'), 'utf8');
    const masks = /enum \{([^}]*)\bMASKS \}/
      .exec(source)?.[1]
      ?.split(',')
      .filter((name) => name.trim() !== '');
    expect(masks?.length).toBe(MASKS_PER_WORD);
  });

  it('counts and masks the end of a long string whose pair hits outnumber its words many times over', () => {
    // Past 64 kB a string gets memory of exactly its size, and the pass writes pair hits as it goes, right after the
    // masks: were there room for fewer masks per word than the pass keeps, the hits of the first 72 kB ('tok' of
    // every 'token') would land on the masks of the last words before they are read. Garbage masks mostly let more
    // rules run, which the output would not show; the shape counts (every digit counted) do. The block at the end
    // holds five secrets read from different masks (digits, dots, lower case, blanks, value openers, dashes, tokens).
    const engine = createMaskingEngine(loadMaskingRules());
    const block = 'cvv 123 ip 10.0.0.1 mail a@b.io de89 3704 0044 0532 0130 00 --token aB3xY9kLm2Qr7tZ5wN8pV4';
    const maskedBlock = 'cvv [REDACTED] ip [IP] mail [EMAIL] [IBAN] --token [REDACTED]';
    for (const filler of ['', 'token '.repeat(100), 'token '.repeat(12_000)]) {
      scanner.scan(filler + block);
      expect(scanner.shape()).toEqual(shapeByRegex(filler + block));
      const masked = engine.maskText(filler + block);
      expect(masked.rules).toEqual(['card_security_code', 'ipv4', 'email', 'iban_loose', 'cli_password_option']);
      expect(masked.text).toBe(filler + maskedBlock);
    }
  });

  it('finds literals and lets their rules run in a string it gives an instance of its own', () => {
    const engine = createMaskingEngine(loadMaskingRules());
    const text = `${'pad '.repeat(30_000)} password=hunter2secret and user@example.com`;
    const masked = engine.maskText(text).text;
    expect(masked).not.toContain('hunter2secret');
    expect(masked).not.toContain('user@example.com');
    expect(engine.maskText('password=hunter2secret').text).not.toContain('hunter2secret');
  });
});

describe('text scanner: shape counts', () => {
  it(`equal their regex definitions over ${texts.length} corpus lines and mutations`, () => {
    const wrong: string[] = [];
    for (const text of texts) {
      scanner.scan(text);
      const shape = scanner.shape();
      const expected = shapeByRegex(text);
      if (JSON.stringify(shape) !== JSON.stringify(expected)) wrong.push(`${JSON.stringify(text)}: ${JSON.stringify(shape)} != ${JSON.stringify(expected)}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it.each<[string, Partial<TextShape>]>([
    ['call 4111 1111-1111   1111 now', { digits: 16, digitRun: 4, digitGroup: 12 }],
    ['call 4111 1111-1111  1111 now', { digitGroup: 16 }],
    ['(212) 555-0147', { digitGroup: 10 }],
    ['v1.2.3.4', { dottedQuad: true }],
    ['1.2.3', { dottedQuad: false }],
    ['DE89 3704', { ibanStart: true }],
    ['De89', { ibanStart: false }],
    ['ratio 3:4 at 12:30:45 mac aa:bb:cc:dd', { colons: true, hexColons: false }],
    ['fe80::1', { colons: true, hexColons: true }],
    ['2001:db8:3333:4444:5555:6666:7777:8888', { hexColons: true }],
    ['1:2:3:4:5:12345:6', { hexColons: false }],
    ['trace 4bf92f3577b34da6a3ce929d0e0e4736 ok', { hexId: true }],
    ['id deadbee-1', { hexId: false }],
    ['x-request-id=550e8400-e29b-41d4-a716-446655440000', { uuidStart: true }],
    ['order 1550e8400-e29b', { uuidStart: false }],
    ['ssn 536-22-8712 and 536 22 8712', { ssnGroups: true }],
    ['zip 12345-6789', { ssnGroups: true }],
    ['ORD-2026-142302 x-536-22-8712', { ssnGroups: false }],
    ['call (212) 555-0147', { nationalPhone: true }],
    ['call 415.555.0132', { nationalPhone: true }],
    ['tel 03-1234-5678', { nationalPhone: true }],
    ['id=71f02343-94f4-4b38-8e14-0211934470e8 x1234-567-89012', { nationalPhone: false }],
  ])('%j has %j', (text, expected) => {
    scanner.scan(text);
    expect(scanner.shape()).toMatchObject(expected);
  });
});

describe('text scanner: rule pre-checks', () => {
  it('never rule out a string in which the rule\u2019s detector finds a candidate', () => {
    const missed: string[] = [];
    let ruledOut = 0;
    for (const text of texts) {
      scanner.scan(text);
      rules.forEach((rule, index) => {
        if (scanner.admits(index)) return;
        ruledOut++;
        // keep_hex_id also needs a digit: it guards the numeric rules after it, which (all but IPv6) need one.
        const guardsNothing = rule.method === 'keep' && rule.detector.needs?.digits !== undefined && !/\d/.test(text);
        if (detectorFinds(index, text) && !guardsNothing) missed.push(`${rule.name}: ${JSON.stringify(text)}`);
      });
    }
    expect(missed.slice(0, 5)).toEqual([]);
    // The property is only worth something if the pre-checks do rule out most rules for most strings.
    expect(ruledOut / (texts.length * rules.length)).toBeGreaterThan(0.8);
  });

  /** Lower-case hex strings (ids, hashes), some with long runs of digits: what the engine's hex check answers. */
  function hexTexts(): string[] {
    const random = seededRandom(16);
    return Array.from({ length: 6000 }, (_, count) => {
      const digitShare = [0.2, 0.625, 0.9, 1][count % 4]!;
      return Array.from({ length: 4 + Math.floor(random() * 61) }, () =>
        random() < digitShare ? String(Math.floor(random() * 10)) : 'abcdef'[Math.floor(random() * 6)]!,
      ).join('');
    });
  }

  it('lets a literal found in any case through in every case the i flag matches, outside ASCII too', () => {
    const gated = new TextScanner([{ anyCase: ['tél'] }, { anyCase: ['µs'] }]);
    const admitted = (text: string, rule: number) => {
      gated.scan(text);
      return gated.admits(rule);
    };
    for (const text of ['tél', 'TÉL', 'TéL', 'tÉl', 'call: Tél. 0412']) {
      expect(new RegExp('tél', 'i').test(text)).toBe(true);
      expect(admitted(text, 0), text).toBe(true);
    }
    expect(admitted('tel. 0412', 0)).toBe(false);
    // `µ` (micro sign) and `μ`, `Μ` (Greek) are one letter to the i flag, though no case mapping turns `μ` into `µ`.
    for (const text of ['µs', 'μS', 'ΜS']) {
      expect(new RegExp('µs', 'i').test(text)).toBe(true);
      expect(admitted(text, 1), text).toBe(true);
    }
  });

  it('passes no rule that can claim on a hex string with shorter runs of digits than the gates ask', () => {
    const claiming = new Int32Array(scanner.allowed.length);
    rules.forEach((rule, index) => {
      if (rule.method !== 'keep') claiming[index >>> 5]! |= 1 << (index & 31);
    });
    const runToAdmit = scanner.hexDigitRunToAdmit(claiming);
    // The shipped rules leave the check something to prove (none admits a hex id without a long run of digits).
    expect(runToAdmit).toBeGreaterThan(1);
    const admitted: string[] = [];
    let provenClean = 0;
    for (const text of hexTexts()) {
      const longestRun = Math.max(0, ...(text.match(/\d+/g) ?? []).map((run) => run.length));
      if (longestRun >= runToAdmit) continue;
      provenClean++;
      scanner.scan(text);
      rules.forEach((rule, index) => {
        if (rule.method !== 'keep' && scanner.admits(index)) admitted.push(`${rule.name}: ${text}`);
      });
    }
    expect(admitted.slice(0, 5)).toEqual([]);
    expect(provenClean).toBeGreaterThan(2000);
  });

  it.each<[string, number, RuleGate]>([
    ['no literal, no needs', 0, {}],
    ['a hex literal', 0, { requires: ['cafe'] }],
    ['a literal found in any case, of hex letters', 0, { anyCase: ['fee'] }],
    ['a literal with a letter past f', Infinity, { anyCase: ['token'] }],
    ['a single byte no id holds', Infinity, { requires: ['@'] }],
    ['colons', Infinity, { needs: { colons: true } }],
    ['capitals (an IBAN start)', Infinity, { needs: { ibanStart: true } }],
    ['SSN groups, which need separators', Infinity, { needs: { digitGroup: 9, ssnGroups: true } }],
    ['a run of nine digits', 9, { needs: { digitRun: 9 } }],
    ['a group of eight and a loose IBAN start', 8, { needs: { digitGroup: 8, ibanStartLoose: true } }],
    ['one digit and a hex id', 1, { needs: { digits: 1, hexId: true } }],
  ])('a hex id passes a gate with %s from a run of %s digits', (_, expected, gate) => {
    expect(new TextScanner([gate]).hexDigitRunToAdmit(Int32Array.of(1))).toBe(expected);
  });

  const ruleIndex = (name: string): number => rules.findIndex((rule) => rule.name === name);
  it.each<[string, string, boolean]>([
    ['credential_assignment', 'password=hunter2', true],
    ['credential_assignment', '{"client_secret" : "x"}', true],
    ['credential_assignment', 'my api key = abc', true],
    ['credential_assignment', '<Password>x</Password>', true],
    ['credential_assignment', 'token-> abc', true],
    ['credential_assignment', "dict['secret'] = x", true],
    ['credential_assignment', 'Push token refreshed for installation 42', false],
    ['credential_assignment', 'Cache miss for key product:sku-1', false],
    ['credential_assignment', 'tokenizer.encode(text)', false],
    ['jwt', 'Bearer eyJhbGciOi.eyJzdWIi.sig', true],
    ['jwt', 'EYJ lowercase is not a JWT start', false],
    ['aws_access_key_id', 'key AKIAIOSFODNN7EXAMPLE', true],
    ['aws_secret_access_key', 'AWS secret', true],
    ['email', 'mail me at a@b.co', true],
    ['email', 'no at sign here', false],
    ['ipv6', 'from 2001:db8::1', true],
    ['ipv6', 'at 12:30:45 and 01:02:03', false],
    ['keep_uuid', 'id 550e8400-e29b-41d4-a716-446655440000', true],
    ['keep_hex_id', 'span 00f067aa0ba902b7 done', true],
    ['keep_hex_id', 'span deadbeefcafe done', false],
    ['credit_card', 'card 4111 1111 1111 1111', true],
    ['credit_card', 'order 2026-000123', false],
    ['us_ssn', 'ssn: 536-22-8712', true],
    ['us_ssn', 'GET /orders/ORD-2026-142302 200', false],
    ['phone_national', 'fax (212) 555-0147', true],
    ['phone_national', 'x-request-id=71f02343-94f4-4b38-8e14-0211934470e8', false],
  ])('%s on %j: %s', (name, text, admitted) => {
    scanner.scan(text);
    expect(scanner.admits(ruleIndex(name))).toBe(admitted);
  });

  it('reads a value after a key the way the credential scanner does', () => {
    const follows = (text: string, keyword: string): boolean => {
      const bytes = new TextEncoder().encode(text);
      return assignmentFollows(bytes, bytes.length, text.indexOf(keyword) + keyword.length);
    };
    expect(follows('password: x', 'password')).toBe(true);
    expect(follows('password_hash="x"', 'password')).toBe(true);
    expect(follows('contraseña=x', 'contrase')).toBe(true);
    expect(follows('\\"token\\":\\"x\\"', 'token')).toBe(true);
    expect(follows('token. = x', 'token')).toBe(true);
    expect(follows('token.length', 'token')).toBe(false);
    expect(follows('password reset requested', 'password')).toBe(false);
    expect(follows('secret', 'secret')).toBe(false);
    expect(follows('DEPLOY_TOKEN ?= x', 'TOKEN')).toBe(true);
    expect(follows('$token .= "x"', 'token')).toBe(true);
    expect(follows('api_key <- "x"', 'key')).toBe(true);
    expect(follows('var token string = "x"', 'token')).toBe(true);
    expect(follows('var token *string = "x"', 'token')).toBe(true);
    expect(follows('token count is 3', 'token')).toBe(false);
    expect(follows('Cache miss for key product:sku-1', 'key')).toBe(false);
  });
});

describe('credential scanner: the keyword search grouped by first letter', () => {
  const patterns = rules.flatMap((rule) => rule.detector.keyword_assignment?.keywords.map((keyword) => keyword.pattern) ?? []);
  const plain = new RegExp(patterns.map((pattern) => `(?:${pattern})`).join('|'), 'gi');
  const grouped = new RegExp(keywordSearchSource(patterns), 'gi');
  const matches = (regex: RegExp, text: string): string[] => [...text.matchAll(regex)].map((match) => `${match.index}:${match[0]}`);

  it('groups the rules file’s keywords, and finds exactly what their plain alternation finds', () => {
    expect(grouped.source).not.toBe(plain.source);
    const keywordTexts = [
      'Secret_Key=1',
      'secret key: x',
      'SET-COOKIE: a',
      'sas-token=x',
      'x-functions-key: y',
      'contraseña=z',
      'credential credentials',
      'db_pass passwd password',
    ];
    let found = 0;
    for (const text of [...keywordTexts, ...texts]) {
      const expected = matches(plain, text);
      found += expected.length;
      expect(matches(grouped, text), text).toEqual(expected);
    }
    expect(found).toBeGreaterThan(1000);
  });

  it('keeps patterns whose branches do not start with a plain letter as they are', () => {
    expect(keywordSearchSource(['a?pi[_-]?key', 'token'])).toBe('(?:a?pi[_-]?key)|(?:token)');
    expect(keywordSearchSource(['(?:api|auth)key'])).toBe('(?:(?:api|auth)key)');
    expect(keywordSearchSource(['api[|]key|auth(?:x|y)key', 'Token'])).toBe('a(?:pi[|]key|uth(?:x|y)key)|t(?:oken)');
  });
});

describe('masking engine: pre-checks change no output', () => {
  // The same rules with every pre-check that only skips work taken out (literals, shapes), so each detector runs on
  // every string. keep_hex_id's digit need stays: it is part of what that rule means (it guards only numeric rules).
  const document = loadMaskingRules();
  const unchecked = structuredClone(document);
  for (const rule of unchecked.rules) {
    const detector = rule.detector;
    const keptDigits = rule.method === 'keep' ? detector.needs?.digits : undefined;
    delete detector.requires;
    delete detector.anyCase;
    delete detector.needs;
    if (keptDigits !== undefined) detector.needs = { digits: keptDigits };
  }
  const engine = createMaskingEngine(document, { hashKey: 'equivalence' });
  const reference = createMaskingEngine(unchecked, { hashKey: 'equivalence' });

  /** Strings built to sit on the pre-checks' edges: keys and operators, digit groups, secrets after multi-byte text. */
  function edgeTexts(): string[] {
    const random = seededRandom(2026);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    const flipCase = (text: string): string => text.replace(/[a-z]/g, (char) => (random() < 0.4 ? char.toUpperCase() : char));
    const keys = [
      'password',
      'pwd',
      'db_pass',
      'secret key',
      'secret_key',
      'api key',
      'x-functions-key',
      'token',
      'tokenizer',
      'access_token',
      'auth',
      'authorization',
      'set-cookie',
      'credentials',
      'contraseña',
      'passphrase',
      'sharedaccesssignature',
      'monkey',
    ];
    const keyParts = ['', '', '', '_', '-', '.', '$', 'my', 'X-', 'é', '😀', '\u00a0', 'Ｋ'];
    const operators = ['=', ':', ':=', '=>', '->', '==', '!=', ' ', '\t', '', '>', '"', "'", '\\"', ']', '[]', '[', '%3D', '.', '-', ';', '\r\n', ' is '];
    const values = [
      'hunter2',
      'Zx9kL2mN',
      '"x y"',
      "'q'",
      '"abc";',
      '{"a":1}',
      'Bearer abcdef123456',
      'Basic dXNlcjpwYXNzd29yZA==',
      'null',
      '${X}',
      'this.x',
      'ÄÖÜ',
      '',
    ];
    const digitSeparators = [' ', '-', '.', '(', ')', '+', ':', '::', '/', 'a', 'F', 'é', '  ', '_', 'DE', 'ssn ', 'tel: ', 'zip ', 'id=', '\n', '１'];
    const secrets = [
      '(415) 555-0132',
      '415.555.0132',
      '090-1234-5678',
      '536-22-8712',
      '536 22 8712',
      '53622-8712',
      '4111 1111 1111 1111',
      '378282246310005',
      '+44 20 7946 0958',
      '192.168.10.34',
      '2001:db8::8a2e:370:7334',
      'fe80:0:0:0:202:b3ff:fe1e:8329',
      'DE89370400440532013000',
      'jane.doe@example.com',
      'AKIAIOSFODNN7EXAMPLE',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dozjgNryP4J3jVmNHl0w5N',
      'sk-proj-aB3dE6gH9jK2mN5pQ8sT1vW4yZ7',
      'password=hunter2',
      '550e8400-e29b-41d4-a716-446655440000 536-22-8712',
    ];
    // What the keep rules protect from the numeric rules (they run only once another rule finds a candidate).
    const lookAlikes = [
      'DE89 3704 0044 0532 0130 01',
      'GB03 WEST 0557 8.5.4.5',
      '2026-11-06 08:30:12',
      '2026-11-06T08:30::12:00Z',
      '06097d0b-b273-4024-bbe1-1ff4ac9e7423',
      '12345678-1234-1234-1234-123456789012',
      'deadbeef4111111111111111',
      'span 00f067aa0ba902b7',
    ];
    const before = ['', ' ', 'x', '-', '.', '"', '(', '=', 'é', '日本語 ', '😀', '€€€ ', '\u00a0', '\t', '\r\n', 'Ａ', '１'];
    const after = ['', ' ', 'x', '-', '.', '"', ')', ':', 'é', '😀', '\n', '１', '.5'];
    const texts: string[] = [];
    for (let count = 0; count < 6000; count++) {
      let text = '';
      for (let pair = 0; pair < 1 + Math.floor(random() * 3); pair++) {
        const key = random() < 0.3 ? flipCase(pick(keys)) : pick(keys);
        text +=
          pick(['', ' ', '<', '"', '{"', '[', '&', '?', pick(keyParts)]) +
          pick(keyParts) +
          key +
          pick(keyParts) +
          pick(operators) +
          (random() < 0.5 ? pick(operators) : '') +
          pick(values) +
          pick(['', ' ', ',', ';', `</${key}>`, '"', '}', '\n']);
      }
      texts.push(text);
    }
    for (let count = 0; count < 6000; count++) {
      let text = random() < 0.5 ? '' : pick(digitSeparators);
      const groups = 1 + Math.floor(random() * 6);
      for (let group = 0; group < groups; group++) {
        const length = 1 + Math.floor(random() * (random() < 0.2 ? 19 : 5));
        for (let digit = 0; digit < length; digit++) text += random() < 0.1 ? pick(['a', 'f', 'A', 'F']) : String(Math.floor(random() * 10));
        if (group < groups - 1) text += pick(digitSeparators);
      }
      texts.push(text + (random() < 0.5 ? pick(digitSeparators) : ''));
    }
    for (let count = 0; count < 4000; count++) texts.push(pick(before) + pick(before) + pick(secrets) + pick(after));
    // Ids and hashes, which the engine's hex check answers before any scan: with runs of digits up to card length.
    for (let count = 0; count < 3000; count++) {
      const digitShare = [0.3, 0.625, 0.95][count % 3]!;
      texts.push(
        Array.from({ length: 4 + Math.floor(random() * 70) }, () =>
          random() < digitShare ? String(Math.floor(random() * 10)) : pick(['a', 'b', 'c', 'd', 'e', 'f']),
        ).join(''),
      );
    }
    for (let count = 0; count < 3000; count++)
      texts.push(pick(before) + pick(lookAlikes) + pick(['', ' ', '-', ':', '.', 'é']) + pick([...lookAlikes, ...secrets]) + pick(after));
    return texts;
  }

  it('masks every edge string exactly as the same rules without pre-checks do', () => {
    const texts = edgeTexts();
    const differences: string[] = [];
    let masked = 0;
    for (const text of texts) {
      const expected = reference.maskText(text);
      const actual = engine.maskText(text);
      if (expected.rules.length) masked++;
      if (actual.text !== expected.text || actual.rules.join() !== expected.rules.join())
        differences.push(`${JSON.stringify(text)}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
    }
    expect(differences.slice(0, 5)).toEqual([]);
    // Worth something only if the strings do reach the detectors.
    expect(masked / texts.length).toBeGreaterThan(0.25);
  });

  // The pre-check reads UTF-8 bytes and the detectors UTF-16 units: multi-byte text before a secret shifts one against
  // the other, which must change nothing.
  it.each<[string, string, string]>([
    ['€€€ password=hunter2', 'hunter2', 'credential_assignment'],
    ['é(415) 555-0132', '555-0132', 'phone_national'],
    ['日本語 536-22-8712', '536-22-8712', 'us_ssn'],
    ['😀 2001:db8::1', '2001:db8::1', 'ipv6'],
    ['contraseña: hunter2', 'hunter2', 'credential_assignment'],
    ['ñ4111 1111 1111 1111', '4111 1111 1111', 'credit_card'],
    ['Ｕser password = hunter2', 'hunter2', 'credential_assignment'],
    ['パスワード token: "abc123"', 'abc123', 'credential_assignment'],
    ['\u00a0192.168.10.34', '192.168.10.34', 'ipv4'],
    ['ü DE89370400440532013000', 'DE89370400440532013000', 'iban'],
    ['Ωmega api_key\t=>\t"s3cr3t"', 's3cr3t', 'credential_assignment'],
    ['😀😀 Bearer abc123DEF456ghi789', 'abc123DEF456ghi789', 'bearer_token'],
    ['東京 tel 090-1234-5678', '090-1234-5678', 'phone_national'],
    ['x=é&access_token=abc123', 'abc123', 'sensitive_query_param'],
    ['ßx-request-id=550e8400-e29b-41d4-a716-446655440000 ssn 536-22-8712', '536-22-8712', 'us_ssn'],
    ['żółć phone 4155550132', '4155550132', 'phone_in_context'],
  ])('%j: masks %j by %s after multi-byte text', (text, secret, rule) => {
    const result = engine.maskText(text);
    expect(result.text).not.toContain(secret);
    expect(result.rules).toEqual([rule]);
  });
});
