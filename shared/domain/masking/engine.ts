// The masking engine compiled from the rules document: one pass of detectors over each string, claimed spans
// resolved by rule order, then one rebuild of the string; objects are walked with field-name rules on top.
import { createHmac, randomBytes } from 'node:crypto';
import { CredentialScanner } from './credential-scanner';
import { nationalIdDetector } from './national-ids';
import { type MaskingEngine, type Redaction, type TextMaskResult, type ValueMaskResult } from './masking-engine';
import type { FieldRule, MaskingRule, MaskingRulesDocument } from './rules-schema';
import { TextScanner, type RuleGate } from './text-scan';
import { cardDigitsValid, validators, type Validator } from './validators';
import { ValueWalker, type WalkerRules } from './value-walker';

export interface MaskingEngineOptions {
  /** Key of the HMAC behind the `hash` method; without one, a random per-process key (hashes join within a process only). */
  hashKey?: string | Buffer;
  /** Objects deeper than this are replaced by a marker rather than walked (default 64). */
  maxDepth?: number;
}

type Method = MaskingRule['method'];

interface CompiledRule {
  name: string;
  index: number;
  method: Method;
  label: string;
  keepLast: number;
  gate: RuleGate;
  trigger: RegExp | undefined;
  /** `taken` answers whether an offset lies in a span already claimed: a match starting there cannot be claimed. */
  detect: (text: string, claim: (start: number, end: number) => boolean, taken?: (offset: number) => boolean) => void;
}

interface CompiledFieldRule {
  name: string;
  method: FieldRule['method'];
  label: string;
  contains: string[];
  equals: Set<string>;
  unlessEndsWith: string[];
}

function compileRegexDetector(rule: MaskingRule, regex: RegExp): CompiledRule['detect'] {
  const detector = rule.detector;
  const group = detector.group ?? 0;
  const validator: Validator | undefined = detector.validator ? validators[detector.validator] : undefined;
  const context = detector.context;
  const window = context?.window ?? 0;
  const required = context?.require ? new RegExp(context.require, 'i') : undefined;
  const forbidden = context?.forbid ? new RegExp(context.forbid, 'i') : undefined;
  const orWholeValue = context?.orWholeValue ?? false;
  return (text, claim, taken) => {
    regex.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = regex.exec(text)) !== null) {
      const matched = match[group];
      if (matched === undefined || matched.length === 0) {
        if (match[0].length === 0) regex.lastIndex++;
        continue;
      }
      const start = group === 0 ? match.index : match.index + match[0].indexOf(matched);
      let end = start + matched.length;
      // A match starting inside a span an earlier rule holds cannot be claimed (validators move only its end): its
      // context and validator need not run.
      if (taken && taken(start)) {
        regex.lastIndex = match.index + 1;
        continue;
      }
      let accepted = true;
      // The context reads only what comes before the match, so it goes first: some validators cost more.
      if (required || forbidden) {
        const before = text.slice(Math.max(0, start - window), start);
        if (forbidden && forbidden.test(before)) accepted = false;
        else if (required && !required.test(before)) accepted = orWholeValue && text.trim().length === end - start;
      }
      if (accepted && validator) {
        const verdict = validator(text, start, end);
        if (verdict === false) accepted = false;
        else if (typeof verdict === 'number') end = verdict;
      }
      if (accepted && claim(start, end)) continue;
      // A rejected candidate may hide a real one that starts inside it.
      regex.lastIndex = match.index + 1;
    }
  };
}

function compileQueryParamDetector(params: string[]): CompiledRule['detect'] {
  const escaped = params.map((param) => param.replace(/[.-]/g, (char) => `\\${char}`));
  const regex = new RegExp(`[?&](?:${escaped.join('|')})=([^&#;\\s"'<>]+)`, 'gi');
  return (text, claim) => {
    regex.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = regex.exec(text)) !== null) {
      const value = match[1]!;
      const start = match.index + match[0].length - value.length;
      claim(start, start + value.length);
    }
  };
}

/** A rule's pre-checks, as the text scanner reads them; a query-parameter detector needs a `?` or `&`. */
export function gateOf(rule: MaskingRule): RuleGate {
  const detector = rule.detector;
  return {
    requires: detector.requires ?? (detector.query_param ? ['?', '&'] : undefined),
    anyCase: detector.anyCase,
    assignment: Boolean(detector.keyword_assignment),
    needs: detector.needs,
  };
}

function compileRule(rule: MaskingRule, index: number): CompiledRule {
  const detector = rule.detector;
  let detect: CompiledRule['detect'];
  if (detector.keyword_assignment) {
    const scanner = new CredentialScanner(detector.keyword_assignment.keywords);
    detect = (text, claim) => scanner.scan(text, claim);
  } else if (detector.query_param) {
    detect = compileQueryParamDetector(detector.query_param.params);
  } else if (detector.national_id) {
    detect = nationalIdDetector(detector.national_id.mode, detector.national_id.window);
  } else {
    let regex: RegExp;
    try {
      regex = new RegExp(detector.regex!, `g${detector.flags ?? ''}`);
    } catch (error) {
      throw new Error(`Masking rule ${rule.name}: invalid regex: ${(error as Error).message}`, { cause: error });
    }
    detect = compileRegexDetector(rule, regex);
  }
  return {
    name: rule.name,
    index,
    method: rule.method,
    label: rule.label ?? '',
    keepLast: rule.keepLast ?? 0,
    gate: gateOf(rule),
    // With the detector's flags: a trigger standing for a case-blind context must be case-blind too.
    trigger: detector.trigger ? new RegExp(detector.trigger, (detector.flags ?? '').replace(/[^imsu]/g, '')) : undefined,
    detect,
  };
}

/** One rule's detector alone (regex, validator, context), as the engine runs it: for tests of the pre-checks. */
export function compileDetector(rule: MaskingRule): CompiledRule['detect'] {
  return compileRule(rule, 0).detect;
}

function isLetterOrDigit(char: string): boolean {
  const code = char.charCodeAt(0);
  if (code < 128) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  return /[\p{L}\p{N}]/u.test(char);
}

function partialMask(value: string, keepLast: number): string {
  let kept = 0;
  const chars = value.split('');
  for (let index = chars.length - 1; index >= 0; index--) {
    const char = chars[index]!;
    if (!isLetterOrDigit(char)) continue;
    if (kept < keepLast) kept++;
    else chars[index] = '*';
  }
  return chars.join('');
}

/** Field names compare lower-cased without `_`, `-`, `.` or spaces: `X-Api-Key`, `api_key` and `apiKey` are one. */
export function normalizeFieldName(name: string): string {
  return name.toLowerCase().replace(/[\s_.-]/g, '');
}

const KEY_CACHE_LIMIT = 10_000;
/** Hex ids and hashes this long or shorter are looked at by the hex check before a scan (a SHA-256 is 64). */
const HEX_ID_CHARS = 64;

/** Whether `offset` lies in one of the sorted, disjoint spans. */
function insideSpan(starts: readonly number[], ends: readonly number[], offset: number): boolean {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (starts[middle]! <= offset) low = middle + 1;
    else high = middle;
  }
  return low > 0 && ends[low - 1]! > offset;
}

export function createMaskingEngine(document: MaskingRulesDocument, options: MaskingEngineOptions = {}): MaskingEngine & { readonly ruleNames: string[] } {
  const rules = document.rules.map(compileRule);
  const fieldRules: CompiledFieldRule[] = document.fields.map((rule) => ({
    name: rule.name,
    method: rule.method,
    label: rule.label ?? '',
    contains: rule.contains,
    equals: new Set(rule.equals),
    unlessEndsWith: rule.unlessEndsWith,
  }));
  const hashKey = options.hashKey ?? randomBytes(32);
  const maxDepth = options.maxDepth ?? 64;
  const fieldRuleCache = new Map<string, CompiledFieldRule | null>();
  const textScanner = new TextScanner(rules.map((rule) => rule.gate));
  /** The keep rules waiting to run for the string being masked (maskText never re-enters itself). */
  const keepQueue: CompiledRule[] = [];
  const cardRule = rules.find((rule) => rule.name === 'credit_card' && rule.method !== 'keep');
  /** The rules that can claim a span, as bits: keep rules run only once one of these finds a candidate. */
  const claimingRules = new Int32Array(textScanner.allowed.length);
  for (const rule of rules) if (rule.method !== 'keep') claimingRules[rule.index >>> 5]! |= 1 << (rule.index & 31);
  /**
   * Ids and hashes (lower-case hex: a correlation id, a request id) are in most items and each is new, so neither
   * the clean-string cache nor anything else spares them the full scan. The gates tell how long a run of digits
   * such a string needs before a rule that can claim could pass; one read of its characters proves the rest clean.
   */
  const hexRunToAdmit = textScanner.hexDigitRunToAdmit(claimingRules);
  /** One pass over the characters: two regex tests cost more to enter than a 16-character id takes to read. */
  const isCleanHex = (text: string): boolean => {
    if (hexRunToAdmit === 0 || text.length > HEX_ID_CHARS) return false;
    let digitRun = 0;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code >= 48 && code <= 57) {
        if (++digitRun >= hexRunToAdmit) return false;
      } else if (code >= 97 && code <= 102) digitRun = 0;
      else return false;
    }
    return text.length !== 0;
  };

  const replacementFor = (method: Method, label: string, keepLast: number, original: string): string => {
    switch (method) {
      case 'replace':
        return label;
      case 'partial':
        return partialMask(original, keepLast);
      case 'hash':
        return `[${label}:${createHmac('sha256', hashKey).update(original).digest('hex').slice(0, 12)}]`;
      case 'remove':
        return '';
      default:
        return original;
    }
  };

  // The state of the string being masked. maskText never re-enters itself, so it lives here, and `claim` and
  // `taken` are made once per engine, not once per string (most strings claim nothing; closures are garbage).
  let maskedText = '';
  // Spans claimed so far, as parallel arrays: no per-span objects for the common no-match case.
  let starts: number[] | undefined;
  let ends: number[] | undefined;
  let owners: CompiledRule[] | undefined;
  let current: CompiledRule;
  // `keep` rules only matter once a later rule finds a candidate, so they run then, not for every string; the
  // first `pendingKeeps` entries of `keepQueue` wait.
  let pendingKeeps = 0;
  const taken = (offset: number): boolean => insideSpan(starts!, ends!, offset);
  const claim = (start: number, end: number): boolean => {
    if (end <= start) return false;
    if (pendingKeeps !== 0 && current.method !== 'keep') {
      const count = pendingKeeps;
      const claimant = current;
      pendingKeeps = 0;
      for (let queued = 0; queued < count; queued++) {
        const keep = keepQueue[queued]!;
        if (!textScanner.admits(keep.index)) continue;
        current = keep;
        keep.detect(maskedText, claim);
      }
      current = claimant;
    }
    if (!starts) {
      starts = [start];
      ends = [end];
      owners = [current];
      return true;
    }
    // Spans stay sorted and disjoint: a binary search finds the neighbours, so many matches stay linear-ish.
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (starts[middle]! < start) low = middle + 1;
      else high = middle;
    }
    if (low > 0 && ends![low - 1]! > start) return false;
    if (low < starts.length && starts[low]! < end) return false;
    if (low === starts.length) {
      starts.push(start);
      ends!.push(end);
      owners!.push(current);
    } else {
      starts.splice(low, 0, start);
      ends!.splice(low, 0, end);
      owners!.splice(low, 0, current);
    }
    return true;
  };

  // The result of the last `maskSpans` that replaced something: read by maskText and the value walker.
  let maskedOutput = '';
  let matchedNames: string[] = [];

  /** Masks `text` and answers how many spans were replaced; when any, `maskedOutput` and `matchedNames` hold the result. */
  function maskSpans(text: string): number {
    if (text.length < 4) return 0;
    maskedText = text;
    starts = ends = owners = undefined;
    pendingKeeps = 0;
    // One scanner for the engine: maskText never re-enters itself.
    textScanner.scan(text);
    const allowed = textScanner.allowed;
    // The rules that passed, in rule order: the set bits of each word, lowest first.
    for (let word = 0; word < allowed.length; word++) {
      for (let bits = allowed[word]!; bits !== 0; bits &= bits - 1) {
        const rule = rules[word * 32 + 31 - Math.clz32(bits & -bits)]!;
        if (rule.trigger && !rule.trigger.test(text)) continue;
        if (rule.method === 'keep') {
          // Their hex shapes are checked only if they come to run.
          keepQueue[pendingKeeps++] = rule;
          continue;
        }
        if (!textScanner.admits(rule.index)) continue;
        current = rule;
        rule.detect(text, claim, starts ? taken : undefined);
      }
    }
    // Read through locals: the claims changed them behind the compiler's back. Nothing of the string stays behind.
    const spanStarts = starts as number[] | undefined;
    const spanEnds = ends as number[] | undefined;
    const spanOwners = owners as CompiledRule[] | undefined;
    maskedText = '';
    starts = ends = owners = undefined;
    if (!spanStarts) return 0;
    let output = '';
    let cursor = 0;
    let count = 0;
    const matched: string[] = [];
    for (let index = 0; index < spanStarts.length; index++) {
      const rule = spanOwners![index]!;
      if (rule.method === 'keep') continue;
      const start = spanStarts[index]!;
      const end = spanEnds![index]!;
      output += text.slice(cursor, start) + replacementFor(rule.method, rule.label, rule.keepLast, text.slice(start, end));
      cursor = end;
      count++;
      if (!matched.includes(rule.name)) matched.push(rule.name);
    }
    if (!count) return 0;
    maskedOutput = output + text.slice(cursor);
    matchedNames = matched;
    return count;
  }

  function maskTextInternal(text: string): TextMaskResult & { count: number } {
    const count = isCleanHex(text) ? 0 : maskSpans(text);
    return count === 0 ? { text, rules: [], count } : { text: maskedOutput, rules: matchedNames, count };
  }

  function fieldRuleFor(key: string): CompiledFieldRule | undefined {
    let cached = fieldRuleCache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const normalized = normalizeFieldName(key);
    cached = null;
    for (const rule of fieldRules) {
      const hit = rule.equals.has(normalized) || rule.contains.some((part) => normalized.includes(part));
      if (hit && !rule.unlessEndsWith.some((suffix) => normalized.endsWith(suffix) && !rule.equals.has(normalized))) {
        cached = rule;
        break;
      }
    }
    if (fieldRuleCache.size >= KEY_CACHE_LIMIT) fieldRuleCache.clear();
    fieldRuleCache.set(key, cached);
    return cached ?? undefined;
  }

  /**
   * Short strings that masked to themselves (`info`, `GET`, `en-US`): structured items repeat them endlessly.
   * Only clean strings are remembered, so the cache never holds a secret.
   */
  const cleanShortStrings = new Set<string>();
  const SHORT_STRING_CHARS = 48;
  const CLEAN_CACHE_LIMIT = 8192;

  /** Masks one string as `maskSpans` does, answering strings already known clean from the cache. */
  function maskString(text: string): number {
    // What maskSpans answers at once (`GET`, `ok`), answered before the cache is asked.
    if (text.length < 4) return 0;
    if (text.length > SHORT_STRING_CHARS) return isCleanHex(text) ? 0 : maskSpans(text);
    // Ids are new every time: told clean before the cache is asked (a miss hashes the whole string), never remembered.
    if (isCleanHex(text)) return 0;
    if (cleanShortStrings.has(text)) return 0;
    const count = maskSpans(text);
    if (count === 0) {
      if (cleanShortStrings.size >= CLEAN_CACHE_LIMIT) cleanShortStrings.clear();
      cleanShortStrings.add(text);
    }
    return count;
  }

  const walkerRules: WalkerRules<CompiledFieldRule> = {
    maxDepth,
    maskString,
    get maskedText() {
      return maskedOutput;
    },
    get matchedRules() {
      return matchedNames;
    },
    fieldRuleFor,
    replaceField: (rule, original) => replacementFor(rule.method, rule.label, 0, original),
    maskCardNumber: (value) => {
      if (!cardRule || !Number.isSafeInteger(value)) return undefined;
      const digits = String(value);
      if (!cardDigitsValid(digits)) return undefined;
      return { rule: cardRule.name, text: replacementFor(cardRule.method, cardRule.label, cardRule.keepLast, digits) };
    },
  };
  const walker = new ValueWalker<CompiledFieldRule>(walkerRules);
  /** The engine's walker, or a fresh one for a call made while it walks (none of ours does). */
  const walkerForCall = (): ValueWalker<CompiledFieldRule> => (walker.available ? walker : new ValueWalker(walkerRules));

  function maskValue<T>(value: T, path = ''): ValueMaskResult<T> {
    return walkerForCall().mask(value, path);
  }

  function maskFieldsInto(target: Record<string, unknown>, source: Record<string, unknown>, skip?: ReadonlySet<string>, path = ''): Redaction {
    return walkerForCall().maskFieldsInto(target, source, skip, path);
  }

  return {
    ruleNames: [...rules.map((rule) => rule.name), ...fieldRules.map((rule) => rule.name)],
    maskText(text: string) {
      return maskTextInternal(text);
    },
    maskValue,
    maskFieldsInto,
  };
}

export type { Redaction };
