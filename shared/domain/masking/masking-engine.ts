// The masking engine's contract: one engine, used by every path that stores or emits customer content.
// Rules are data (config/security/data_masking_rules.yaml), compiled once; each redaction names its rule,
// never the original value.

export interface Redaction {
  /** Dotted paths of the fields in which something was masked, e.g. `context.user.email`. */
  fieldsRedacted: string[];
  /** Names of the rules that matched, e.g. `email`, `jwt`, `sensitive_key`. */
  patternsMatched: string[];
  /** How many values were masked in all. */
  count: number;
}

export interface TextMaskResult {
  text: string;
  /** Rule names that matched in this text, in order of first match. */
  rules: string[];
}

export interface ValueMaskResult<T> {
  value: T;
  redaction: Redaction;
}

export interface MaskingEngine {
  /** Masks one string (a log message, a URL, a header value). */
  maskText(text: string): TextMaskResult;
  /**
   * Walks strings, nested objects and arrays; a value under a sensitive key (password, token, …) is
   * masked whatever it contains. Returns a new value; the input is not modified.
   */
  maskValue<T>(value: T, path?: string): ValueMaskResult<T>;
  /**
   * What `Object.assign(target, maskValue(fields, path).value)` does, for `fields` the own fields of `source` not
   * named in `skip`, without the copy in between; returns the remarks. Optional: callers fall back to maskValue.
   */
  maskFieldsInto?(target: Record<string, unknown>, source: Record<string, unknown>, skip?: ReadonlySet<string>, path?: string): Redaction;
}

export function emptyRedaction(): Redaction {
  return { fieldsRedacted: [], patternsMatched: [], count: 0 };
}
