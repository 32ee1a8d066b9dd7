// Walks a value for the masking engine: strings through the text rules, everything under a sensitive field name
// masked whole, a card number sent as a JSON number masked, a copy returned with the remarks. One walker per engine
// is reused for every value (its path and ancestor stacks kept between calls), since ingest walks a few values per
// item and the per-call closures, sets and arrays were a good part of what masking a clean value cost.
import { emptyRedaction, type Redaction } from './masking-engine';

/** A field-name rule, as the walker applies it. */
export interface WalkedFieldRule {
  name: string;
  /** `remove` drops the field; any other method replaces what it holds. */
  method: string;
  label: string;
}

/** What the walker asks of the engine that owns it. */
export interface WalkerRules<Rule extends WalkedFieldRule = WalkedFieldRule> {
  /** Objects deeper than this are replaced by a marker rather than walked. */
  maxDepth: number;
  /**
   * Masks one string and answers how many spans it replaced; when any, `maskedText` and `matchedRules` (rule
   * names in order of first match) describe the result until the next call.
   */
  maskString(text: string): number;
  readonly maskedText: string;
  readonly matchedRules: readonly string[];
  /** The rule a field of this name falls under, if any. */
  fieldRuleFor(key: string): Rule | undefined;
  /** What a field rule puts in place of `original`. */
  replaceField(rule: Rule, original: string): string;
  /** A number that is a valid card number: the rule's name and replacement; otherwise undefined. */
  maskCardNumber(value: number): { rule: string; text: string } | undefined;
}

/**
 * Writes `key` as an own, enumerable, writable property: a key named `__proto__` (JSON.parse makes one) would
 * otherwise set the copy's prototype or vanish instead of being copied.
 */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * `Object.prototype.hasOwnProperty`, called on the key of a for-in: V8 answers that pair from the loop's own key
 * cache, which it does not for `Object.hasOwn` (a for-in over an item's fields took half the time with it, Node 20).
 */
const hasOwnProperty = Object.prototype.hasOwnProperty;

export class ValueWalker<Rule extends WalkedFieldRule = WalkedFieldRule> {
  private redaction: Redaction = emptyRedaction();
  private basePath = '';
  /** The path of the node being walked, as segments: joined into a string only when something is masked there. */
  private readonly segments: Array<string | number> = [];
  /** The objects being walked, outermost first: a value met again among them is a cycle. */
  private readonly ancestors: object[] = [];
  private busy = false;
  /**
   * maskFieldsInto's callers own their source (a parsed item): an object or array in it with nothing to mask is
   * put in the target as it is rather than copied, most of what a document holds. maskValue always copies.
   */
  private shareClean = false;

  constructor(private readonly rules: WalkerRules<Rule>) {}

  /** A walker is reused, never re-entered: a caller finding it busy (a nested call) takes a fresh one. */
  get available(): boolean {
    return !this.busy;
  }

  mask<T>(value: T, path: string): { value: T; redaction: Redaction } {
    this.begin(path, false);
    try {
      const masked = this.walk(value, 0) as T;
      this.busy = false;
      return { value: masked, redaction: this.redaction };
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  /**
   * The masked copy of each own field of `source` not in `skip`, written into `target` in `source`'s key order,
   * as `Object.assign(target, maskValue(fields).value)` would for `fields` being those fields; the remarks returned.
   * Objects and arrays with nothing masked inside are shared with `source`, not copied.
   */
  maskFieldsInto(target: Record<string, unknown>, source: Record<string, unknown>, skip: ReadonlySet<string> | undefined, path: string): Redaction {
    this.begin(path, true);
    try {
      this.ancestors.push(source);
      this.copyFields(source, target, skip, 0);
      this.ancestors.pop();
      this.busy = false;
      return this.redaction;
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  private begin(path: string, shareClean: boolean): void {
    this.busy = true;
    this.basePath = path;
    this.shareClean = shareClean;
    this.redaction = emptyRedaction();
  }

  /** After a throw part-way: the stacks are balanced by every walk that returns, not by one that throws. */
  private reset(): void {
    this.busy = false;
    this.segments.length = 0;
    this.ancestors.length = 0;
  }

  private pathHere(): string {
    let joined = this.basePath;
    for (const segment of this.segments) {
      if (typeof segment === 'number') joined += `[${segment}]`;
      else joined = joined ? `${joined}.${segment}` : segment;
    }
    return joined;
  }

  private note(ruleName: string, count: number): void {
    const redaction = this.redaction;
    redaction.count += count;
    const at = this.pathHere();
    if (!redaction.fieldsRedacted.includes(at)) redaction.fieldsRedacted.push(at);
    if (!redaction.patternsMatched.includes(ruleName)) redaction.patternsMatched.push(ruleName);
  }

  private walk(node: unknown, depth: number): unknown {
    if (typeof node === 'string') {
      const count = this.rules.maskString(node);
      if (count === 0) return node;
      const matched = this.rules.matchedRules;
      this.note(matched[0]!, count);
      const patterns = this.redaction.patternsMatched;
      for (const rule of matched) if (!patterns.includes(rule)) patterns.push(rule);
      return this.rules.maskedText;
    }
    if (typeof node === 'number') {
      // A card number sent as a JSON number (up to 16 digits fit a double exactly).
      if (node < 1e12) return node;
      const card = this.rules.maskCardNumber(node);
      if (!card) return node;
      this.note(card.rule, 1);
      return card.text;
    }
    if (node === null || typeof node !== 'object') return node;
    if (depth >= this.rules.maxDepth) return '[TOO DEEP]';
    if (this.ancestors.includes(node)) return '[CIRCULAR]';
    const isArray = Array.isArray(node);
    if (!isArray) {
      const prototype = Object.getPrototypeOf(node) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return node;
    }
    this.ancestors.push(node);
    try {
      if (isArray) {
        const array = node as unknown[];
        // Copied from the first element that masks to something else (at once where clean ones are not shared).
        let copy = this.shareClean ? undefined : new Array<unknown>(array.length);
        for (let index = 0; index < array.length; index++) {
          const child = array[index];
          this.segments.push(index);
          const masked = this.walk(child, depth + 1);
          this.segments.pop();
          if (copy === undefined) {
            if (masked === child) continue;
            copy = new Array<unknown>(array.length);
            for (let before = 0; before < index; before++) copy[before] = array[before];
          }
          copy[index] = masked;
        }
        return copy ?? array;
      }
      if (!this.shareClean) {
        const copy: Record<string, unknown> = {};
        this.copyFields(node as Record<string, unknown>, copy, undefined, depth);
        return copy;
      }
      return this.maskedOrShared(node as Record<string, unknown>, depth);
    } finally {
      this.ancestors.pop();
    }
  }

  /**
   * The rule for a field named `value`: in a header list such as HAR's [{ name: 'Authorization', value: 'Bearer …' }]
   * the pair's `name` (or `key`) names it. Asked only when a `value` field is met: reading `name` and `key` off every
   * object walked (most have neither, and nearly each has a shape of its own) cost more than the rest of a clean field.
   */
  private valueRuleOf(record: Record<string, unknown>): Rule | undefined {
    const pairName = typeof record.name === 'string' ? record.name : typeof record.key === 'string' ? record.key : undefined;
    return (pairName !== undefined ? this.rules.fieldRuleFor(pairName) : undefined) ?? this.rules.fieldRuleFor('value');
  }

  /** The fields of one object (its ancestors' stack already holding it), masked into `copy`. */
  private copyFields(record: Record<string, unknown>, copy: Record<string, unknown>, skip: ReadonlySet<string> | undefined, depth: number): void {
    // for-in over own keys visits what Object.keys lists, in its order, without making the list for every object.
    for (const key in record) {
      if (!hasOwnProperty.call(record, key) || (skip !== undefined && skip.has(key))) continue;
      const child = record[key];
      const rule = key === 'value' ? this.valueRuleOf(record) : this.rules.fieldRuleFor(key);
      this.segments.push(key);
      if (!rule) setOwn(copy, key, this.walk(child, depth + 1));
      else if (rule.method !== 'remove') setOwn(copy, key, this.maskWhole(child, rule, depth + 1));
      else if (child !== undefined) this.note(rule.name, 1);
      this.segments.pop();
    }
  }

  /** The record itself when nothing in it masks to something else; otherwise a copy made from the first field that does. */
  private maskedOrShared(record: Record<string, unknown>, depth: number): Record<string, unknown> {
    let copy: Record<string, unknown> | undefined;
    for (const key in record) {
      if (!hasOwnProperty.call(record, key)) continue;
      const child = record[key];
      const rule = key === 'value' ? this.valueRuleOf(record) : this.rules.fieldRuleFor(key);
      const removed = rule !== undefined && rule.method === 'remove';
      this.segments.push(key);
      let masked = child;
      if (!rule) masked = this.walk(child, depth + 1);
      else if (!removed) masked = this.maskWhole(child, rule, depth + 1);
      else if (child !== undefined) this.note(rule.name, 1);
      this.segments.pop();
      if (copy === undefined) {
        if (!removed && masked === child) continue;
        copy = {};
        for (const before in record) {
          if (before === key) break;
          if (hasOwnProperty.call(record, before)) setOwn(copy, before, record[before]);
        }
      }
      if (!removed) setOwn(copy, key, masked);
    }
    return copy ?? record;
  }

  /** Everything under a sensitive name goes, keeping the shape (so consumers' schemas still hold). */
  private maskWhole(node: unknown, rule: Rule, depth: number): unknown {
    if (typeof node === 'string') {
      if (node === '') return node;
      this.note(rule.name, 1);
      return this.rules.replaceField(rule, node);
    }
    if (typeof node === 'number' || typeof node === 'bigint') {
      this.note(rule.name, 1);
      return this.rules.replaceField(rule, String(node));
    }
    if (node === null || typeof node !== 'object' || depth >= this.rules.maxDepth || this.ancestors.includes(node)) return node;
    this.ancestors.push(node);
    try {
      if (Array.isArray(node)) {
        const copy = new Array<unknown>(node.length);
        for (let index = 0; index < node.length; index++) {
          this.segments.push(index);
          copy[index] = this.maskWhole(node[index], rule, depth + 1);
          this.segments.pop();
        }
        return copy;
      }
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(node)) {
        this.segments.push(key);
        setOwn(copy, key, this.maskWhole((node as Record<string, unknown>)[key], rule, depth + 1));
        this.segments.pop();
      }
      return copy;
    } finally {
      this.ancestors.pop();
    }
  }
}
