// Finds credentials written as assignments in free text: `password=…`, `apikey := "…"`, `"token": "…"`,
// `dict['secret'] = …`, `<password>…</password>`, `Authorization: Digest …`, `private_key "…";` and friends.
// Only the value is masked, so the line stays readable. Code references and placeholders are left alone.
import type { KeywordSpec } from './rules-schema';

export type ValueExtent = KeywordSpec['value'];

export interface CredentialMatch {
  start: number;
  end: number;
}

/** Characters that continue a key name to the left or right of the keyword (`my_password`, `X-Api-Key`, `$secret`). */
function isKeyCode(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 /* _ */ ||
    code === 45 /* - */ ||
    code === 46 /* . */ ||
    code === 36 /* $ */ ||
    code > 127
  );
}

function isWordCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code > 127;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** `"`, `'` or a backtick (NaN past the end is none). */
function isQuoteCode(code: number): boolean {
  return code === 34 || code === 39 || code === 96;
}

/** Stops an unquoted value: whitespace and the delimiters of logfmt, query strings, JSON and markup (` \t\n\r,;&"'\`<`). */
function stopsUnquoted(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 44 || code === 59 || code === 38 || isQuoteCode(code) || code === 60;
}

const LITERALS = new Set([
  'true',
  'false',
  'null',
  'none',
  'nil',
  'undefined',
  'nan',
  'redacted',
  '[redacted]',
  '<redacted>',
  '(redacted)',
  'hidden',
  'masked',
  'omitted',
  'n/a',
]);
const KEYWORD_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'token',
  'apikey',
  'api_key',
  'key',
  'credentials',
  'credential',
  'auth',
  'authorization',
]);
/** Roots of code references (`this.apiKey`, `process.env.TOKEN`, `config.secret`) rather than literal secrets. */
const REFERENCE =
  /^(?:this|self|cls|process|os|env|environ|config|cfg|conf|settings|options|opts|props|params|args|kwargs|request|req|res|response|ctx|context|window|document|data|input|payload|body|secrets|vault|keys|credentials|creds|state|store|app|module|exports)\.[\w$.]+$/i;
const INDIRECT = /^[A-Za-z_$][\w$.-]*[[(]/;
const TEMPLATE =
  /^(?:\$\{?[A-Za-z_][\w.:-]*\}?|\$\(\s*[\w.-]+\s*\)|%[A-Za-z_][\w]*%|\{\{[^{}\n]*\}\}|\{%[^{}\n]*%\}|<%[^%\n]*%>|<[\w .-]+>|\[[A-Z][A-Z0-9_ ]*\])$/;
const MASKED = /^(?:\*+|•+|x{3,}|X{3,}|#+)$/;
/** The start of an element (`<xsd:element name=`, `<div class=`): markup quoted in a line, not a secret. */
const MARKUP = /^<\/?[A-Za-z][\w.-]*(?::[\w.-]+)?(?:\s|\/?>)/;
const AUTH_SCHEMES = new Set([
  'bearer',
  'basic',
  'digest',
  'token',
  'negotiate',
  'ntlm',
  'hoba',
  'mutual',
  'aws4-hmac-sha256',
  'sharedkey',
  'sharedkeylite',
  'sharedaccesssignature',
  'signature',
  'apikey',
  'api-key',
  'dpop',
  'gnap',
  'otp',
  'splunk',
  'sso-key',
  'oauth',
  'key',
]);

/** The longest of LITERALS and KEYWORD_WORDS: lower-casing never shortens a string, so a longer value is neither. */
const LONGEST_WORD = Math.max(...[...LITERALS, ...KEYWORD_WORDS].map((word) => word.length));
/** `fake` in any case, as lower-casing finds it (the Kelvin sign lower-cases to `k`). */
const FAKE = /fa[k\u212a]e/i;

/** Whether two strings can be equal lower-cased: of one length, unless one holds `İ` (the one letter lower-casing lengthens). */
function sameLengthLowerCased(one: string, other: string): boolean {
  return one.length === other.length || one.includes('\u0130') || other.includes('\u0130');
}

/** True for values that are not secrets: empty, literals, placeholders, templates, markup, masked, code references. */
export function isPlaceholderValue(value: string, quoted: boolean, keyName: string): boolean {
  const trimmed = value.trim();
  if (trimmed === '') return true;
  // Most values are longer than every word listed: they are not lower-cased (a copy) for the sets.
  const short = trimmed.length <= LONGEST_WORD;
  const lower = short ? trimmed.toLowerCase() : '';
  if ((short && LITERALS.has(lower)) || FAKE.test(trimmed) || MASKED.test(trimmed) || TEMPLATE.test(trimmed) || MARKUP.test(trimmed)) return true;
  if (quoted) return false;
  if ((short && KEYWORD_WORDS.has(lower)) || (sameLengthLowerCased(trimmed, keyName) && trimmed.toLowerCase() === keyName.toLowerCase())) return true;
  return INDIRECT.test(trimmed) || REFERENCE.test(trimmed);
}

function findLineEnd(text: string, from: number): number {
  let index = from;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 10 || code === 13) break;
    index++;
  }
  return index;
}

/** Quoted values longer than this are not credentials; the search stops there, which keeps scans linear. */
const MAX_QUOTED_VALUE_CHARS = 4096;

/** The closing quote of a quoted value (backslash escapes respected); -1 when the line ends first. */
function findClosingQuote(text: string, from: number, quote: string, escapedQuote: boolean): number {
  const limit = Math.min(text.length, from + MAX_QUOTED_VALUE_CHARS);
  for (let index = from; index < limit; index++) {
    const char = text[index]!;
    if (char === '\n' || char === '\r') return -1;
    if (escapedQuote) {
      if (char === '\\' && text[index + 1] === quote) return index;
      continue;
    }
    if (char === '\\') {
      index++;
      continue;
    }
    if (char === quote) return index;
  }
  return -1;
}

const OPENER_OF: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Drops closing brackets a value does not open itself: `password=abc}` inside `{…}` ends at `abc`. */
function trimUnbalancedClosers(text: string, start: number, end: number): number {
  if (!OPENER_OF[text[end - 1] ?? '']) return end;
  const balance: Record<string, number> = { '(': 0, '[': 0, '{': 0 };
  for (let index = start; index < end; index++) {
    const char = text[index]!;
    if (char in balance) balance[char]!++;
    else if (OPENER_OF[char]) balance[OPENER_OF[char]!]!--;
  }
  let trimmedEnd = end;
  while (trimmedEnd > start) {
    const opener = OPENER_OF[text[trimmedEnd - 1]!];
    if (!opener || balance[opener]! >= 0) break;
    balance[opener]!++;
    trimmedEnd--;
  }
  return trimmedEnd;
}

/** Characters that may lead the `=` of an assignment: `:=`, `::=`, `:::=`, `?=`, `+=`, `.=`, `||=`, `??=`, `&&=`, `!=`. */
const ASSIGNMENT_LEADS: ReadonlySet<number> = new Set([...':?+.|&!'].map((char) => char.charCodeAt(0)));

function leadsAssignment(code: number): boolean {
  return ASSIGNMENT_LEADS.has(code);
}

/**
 * The length of the operator between a key and its value at `index`, or 0. One family: up to three leading
 * characters then `=` (`=`, `:=`, `::=`, `:::=`, `?=`, `+=`, `.=`, `||=`, `!=`), then `=`, `==` or `>`
 * (`==`, `===`, `!==`, `=>`); or a lone `:`; or an arrow (`->`, `<-`). The whole operator is read before the
 * value starts, so no part of it is taken for the value; a `::` without `=` is a path (`Token::new`), not one.
 */
function operatorLength(text: string, index: number): number {
  let at = index;
  while (at - index < 3 && leadsAssignment(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) === 61 /* = */) {
    at++;
    if (text.charCodeAt(at) === 62 /* > */ && at - index === 1) return 2;
    if (text.charCodeAt(at) === 61) at++;
    if (text.charCodeAt(at) === 61 && at - index === 2) at++;
    return at - index;
  }
  const first = text.charCodeAt(index);
  const second = text.charCodeAt(index + 1);
  if (first === 58 /* : */) return second === 58 ? 0 : 1;
  if ((first === 45 /* - */ && second === 62) /* -> */ || (first === 60 /* < */ && second === 45) /* <- */) return 2;
  return 0;
}

/** A pattern's top-level alternatives (outside groups and character classes), or undefined if it has none to split. */
function topLevelAlternatives(pattern: string): string[] {
  const alternatives: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') index++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) {
      alternatives.push(pattern.slice(from, index));
      from = index + 1;
    }
  }
  alternatives.push(pattern.slice(from));
  return alternatives;
}

/**
 * The keywords as one case-blind search. Irregexp tries an alternation's branches one after another at every
 * offset: with ~45 keywords that is most of the scanner's time. Branches are therefore grouped by their first
 * letter, in their order (`a(?:pi[_ -]?key|uth[_-]?key|…)|s(?:ecret…)`): only branches starting with the letter
 * at an offset can match there, and among those the first listed still wins, so the matches are the same.
 * Patterns whose branches do not all start with a plain letter are searched as they are.
 */
export function keywordSearchSource(patterns: readonly string[]): string {
  const plain = patterns.map((pattern) => `(?:${pattern})`).join('|');
  const byFirst = new Map<string, string[]>();
  for (const alternative of patterns.flatMap(topLevelAlternatives)) {
    // A letter, not quantified: it is the first character of every match of the branch.
    if (!/^[A-Za-z](?![?*+{])/.test(alternative)) return plain;
    const first = alternative[0]!.toLowerCase();
    byFirst.set(first, [...(byFirst.get(first) ?? []), alternative.slice(1)]);
  }
  return [...byFirst].map(([first, rests]) => `${first}(?:${rests.join('|')})`).join('|');
}

/** Whether a keyword found at `at` starts the key or a word of it (after `_ - . $`, or a capital after a small letter or digit). */
function startsWord(key: string, at: number): boolean {
  if (at === 0) return true;
  const before = key.charCodeAt(at - 1);
  const first = key.charCodeAt(at);
  if (!isWordCode(before) || before === 95) return true;
  const lower = (code: number) => code >= 97 && code <= 122;
  const upper = (code: number) => code >= 65 && code <= 90;
  return (upper(first) && (lower(before) || (before >= 48 && before <= 57))) || (upper(first) && upper(before) && lower(key.charCodeAt(at + 1)));
}

/**
 * A type written between a key and its operator, as statically typed languages declare a string: `: string`,
 * `: str`, `: &'static str`, `: String?`, `: Option<String>`, `: Optional[str]`, `: string | undefined`, `string` alone (Go), `*string`, `[]byte`. Group 1 is the
 * operator's start when one follows; without it the type ends the declaration (`apiKey: string;`).
 */
const TYPE_ANNOTATION =
  /(?::[ \t]*)?(?:&(?:'static[ \t]+)?|\*|\[\])?(?:(?:option|optional|secret|maybe)[<[])?(?:string|str|charsequence|securestring|secretstring|secretstr|nsstring|byte\[\]|char\[\]|byte)[>\]]?[?!]?(?:[ \t]*\*)?(?:[ \t]*\|[ \t]*(?:undefined|null|none))?[ \t]*(?:(?=(:?=(?![=>])))|(?=[;,)}\]\r\n]|$))/iy;
const ANNOTATION_STARTS = new Set([...':&*[bcmnosBCMNOS'].map((char) => char.charCodeAt(0)));
/** `:` or the first character of a type in TYPE_ANNOTATION: most keys are followed by neither, and skip the regex. */
function startsAnnotation(code: number): boolean {
  return ANNOTATION_STARTS.has(code);
}

function typeAnnotationAt(text: string, index: number): RegExpExecArray | null {
  TYPE_ANNOTATION.lastIndex = index;
  return TYPE_ANNOTATION.exec(text);
}

/** A name attribute or field right before a quoted key: `key="`, `name='`, `"name": "`. */
const NAME_ATTRIBUTE = /(?:^|[^\w-])(?:key|name)["']?[ \t]*[=:][ \t]*$/i;
/** The value attribute or field after a quoted key: ` value="`, `, "value": "`. */
const VALUE_ATTRIBUTE = /[ \t]*,?[ \t]*["']?value["']?[ \t]*[=:][ \t]*(?=["'])/iy;
/** Words that start an expression where a value would go. */
const EXPRESSION_WORDS = new Set(['new', 'await', 'yield', 'typeof', 'function', 'lambda', 'async', 'require', 'import']);

/**
 * At a backslash in an unquoted value: an escape that ends it, `\n`, `\r`, `\t` or an escaped quote, also escaped
 * once more (`\\n` in JSON inside a JSON string).
 */
function isEscapeEnd(text: string, at: number): boolean {
  let next = at + 1;
  while (text.charCodeAt(next) === 92 && next - at < 4) next++;
  const code = text.charCodeAt(next);
  return code === 110 || code === 114 || code === 116 || isQuoteCode(code);
}

/** A template with blanks inside, opening at a value's start: `{{ .Values.password }}`, `{% secret %}`, `<%= token %>`, `\${{ x }}`. */
const TEMPLATE_START = /\$?(?:\{\{[^{}\n\r]*\}\}|\{%[^{}\n\r]*%\}|<%[^%\n\r]*%>)/y;

function opensTemplate(text: string, index: number): boolean {
  TEMPLATE_START.lastIndex = index;
  return TEMPLATE_START.test(text);
}

export class CredentialScanner {
  private readonly search: RegExp;
  private readonly endsWithKeyword: RegExp[];

  constructor(private readonly keywords: KeywordSpec[]) {
    this.search = new RegExp(keywordSearchSource(keywords.map((keyword) => keyword.pattern)), 'gi');
    this.endsWithKeyword = keywords.map((keyword) => new RegExp(`(?:${keyword.pattern})$`, 'i'));
  }

  /** Calls `claim` for each credential value found; `claim` answers whether the span was free. */
  scan(text: string, claim: (start: number, end: number) => boolean): void {
    const search = this.search;
    search.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = search.exec(text)) !== null) {
      let keyStart = match.index;
      while (keyStart > 0 && isKeyCode(text.charCodeAt(keyStart - 1))) keyStart--;
      let keyEnd = match.index + match[0].length;
      while (keyEnd < text.length && isKeyCode(text.charCodeAt(keyEnd))) keyEnd++;
      // A key such as `password.length` or `token-` ends in punctuation that is not part of the name.
      while (keyEnd > match.index + match[0].length && !isWordCode(text.charCodeAt(keyEnd - 1))) keyEnd--;
      const key = text.slice(keyStart, keyEnd);
      const keyword = this.endingKeyword(key);
      const found = keyword >= 0 ? this.valueAfterKey(text, keyStart, keyEnd, key, keyword) : this.quotedSemicolonValue(text, keyEnd, key);
      if (found && claim(found.start, found.end)) {
        search.lastIndex = Math.max(found.end, search.lastIndex);
      } else {
        search.lastIndex = Math.max(keyEnd, match.index + 1);
      }
    }
  }

  /** The index of the keyword the key ends in, or -1 when it ends in none (`tokenizer`). */
  private endingKeyword(key: string): number {
    for (let index = 0; index < this.keywords.length; index++) if (this.endsWithKeyword[index]!.test(key)) return index;
    return -1;
  }

  /** Whether the keyword a key ends in is a word of its own (`db.password`, `apiToken`), not the end of a longer one (`jsonwebtoken`). */
  private keywordIsOwnWord(key: string, keyword: number): boolean {
    const found = this.endsWithKeyword[keyword]!.exec(key);
    return found !== null && startsWord(key, found.index);
  }

  /** `fooapikeyfoo "value";`: a key merely containing a keyword counts only in this strict form. */
  private quotedSemicolonValue(text: string, from: number, key: string): CredentialMatch | undefined {
    let index = from;
    while (index < text.length && isBlank(text.charCodeAt(index))) index++;
    if (!isQuoteCode(text.charCodeAt(index))) return undefined;
    const quote = text[index]!;
    const close = findClosingQuote(text, index + 1, quote, false);
    if (close < 0 || text[close + 1] !== ';') return undefined;
    const value = text.slice(index + 1, close);
    if (/[\s"'`]/.test(value) || isPlaceholderValue(value, true, key)) return undefined;
    return { start: index + 1, end: close };
  }

  private valueAfterKey(text: string, keyStart: number, keyEnd: number, key: string, keyword: number): CredentialMatch | undefined {
    const extent = this.keywords[keyword]!.value;
    let index = keyEnd;
    // Markup: <password>value</password>
    if (text[keyStart - 1] === '<' && text[index] === '>') return this.markupText(text, index + 1, key);
    // Closing of the key: "key", 'key', \"key\", dict["key"], key[]
    let quotedKey = false;
    if (text.charCodeAt(index) === 92 /* \ */ && isQuoteCode(text.charCodeAt(index + 1))) index += 2;
    else if (isQuoteCode(text.charCodeAt(index))) {
      quotedKey = text[index] === text[keyStart - 1];
      index++;
    }
    if (text[index] === ']') index++;
    else if (text[index] === '[' && text[index + 1] === ']') index += 2;
    while (index < text.length && isBlank(text.charCodeAt(index))) index++;
    // A type between the key and its operator (`apiKey: string = "…"`, `var token string = "…"`); with no operator
    // after it the key is declared, not given a value (`apiKey: string;`).
    const annotation = startsAnnotation(text.charCodeAt(index)) ? typeAnnotationAt(text, index) : null;
    if (annotation) {
      if (annotation[1] === undefined) return undefined;
      index += annotation[0].length;
    }
    const operator = operatorLength(text, index);
    if (operator === 0) {
      if (quotedKey) return this.pairedValue(text, keyStart, index, key, extent) ?? this.quotedSemicolonValue(text, keyEnd, key);
      return this.quotedSemicolonValue(text, keyEnd, key);
    }
    // A dotted name glued to `:` is also a package coordinate or a namespace (`io.jsonwebtoken:jjwt-api`): there the
    // keyword must be a word of its own in the key (`db.password:x`, `spring.apiToken:x`), not the end of a longer one.
    if (
      index === keyEnd &&
      operator === 1 &&
      text.charCodeAt(index) === 58 &&
      key.includes('.') &&
      !isBlank(text.charCodeAt(index + 1)) &&
      !this.keywordIsOwnWord(key, keyword)
    )
      return undefined;
    // `a == b` compares, `=>` maps, but `password: ` in prose needs a value right after.
    index += operator;
    while (index < text.length && isBlank(text.charCodeAt(index))) index++;
    if (text.charCodeAt(index) === 64 /* @ */ && isQuoteCode(text.charCodeAt(index + 1))) index++;
    // `-H "authorization: bearer x"`: a header inside a quoted string ends where that string does.
    const opening = keyStart > 0 ? text[keyStart - 1]! : '';
    const enclosingQuote = isQuoteCode(text.charCodeAt(keyStart - 1)) && text[keyEnd] !== opening ? opening : undefined;
    return this.readValue(text, index, key, extent, enclosingQuote);
  }

  /** The text of an element up to the next tag: `<password>value</password>`, `<entry key="password">value</entry>`. */
  private markupText(text: string, start: number, key: string): CredentialMatch | undefined {
    const close = text.indexOf('<', start);
    const end = close < 0 ? findLineEnd(text, start) : close;
    return isPlaceholderValue(text.slice(start, end), true, key) ? undefined : { start, end };
  }

  /**
   * A quoted key whose value is the next quoted string, written without an operator: a call's first two arguments
   * (`os.Setenv("API_TOKEN", "…")`, `config.set('password', '…')`), and a name attribute paired with a value one
   * (`<add key="DbPassword" value="…"/>`, `<property name="db.password" value="…"/>`, `{"name": "token", "value": "…"}`)
   * or with the element's text (`<entry key="password">…</entry>`). `index` is past the key's closing quote and blanks.
   */
  private pairedValue(text: string, keyStart: number, index: number, key: string, extent: ValueExtent): CredentialMatch | undefined {
    let before = keyStart - 2;
    while (before >= 0 && isBlank(text.charCodeAt(before))) before--;
    let found: CredentialMatch | undefined;
    if (text[before] === '(') {
      if (text[index] !== ',') return undefined;
      index++;
      while (index < text.length && isBlank(text.charCodeAt(index))) index++;
      if (!isQuoteCode(text.charCodeAt(index))) return undefined;
      found = this.readValue(text, index, key, extent);
      // A second argument in words is a label or a message (`t("password", "Your password")`), not a secret.
      if (found && extent === 'token' && /\s/.test(text.slice(found.start, found.end))) return undefined;
    } else {
      NAME_ATTRIBUTE.lastIndex = 0;
      if (!NAME_ATTRIBUTE.test(text.slice(Math.max(0, before - 8), before + 1))) return undefined;
      if (text[index] === '>') found = this.markupText(text, index + 1, key);
      else {
        VALUE_ATTRIBUTE.lastIndex = index;
        const attribute = VALUE_ATTRIBUTE.exec(text);
        if (attribute) found = this.readValue(text, index + attribute[0].length, key, extent);
      }
    }
    // The key again is its label (`<th name="password">Password</th>`, `t("token", "Token")`).
    if (found && text.slice(found.start, found.end).toLowerCase() === key.toLowerCase()) return undefined;
    return found;
  }

  private readValue(text: string, index: number, key: string, extent: ValueExtent, enclosingQuote?: string): CredentialMatch | undefined {
    if (index >= text.length) return undefined;
    let quote = text[index]!;
    let escapedQuote = false;
    if (quote === '\\' && text[index + 1] === '"') {
      escapedQuote = true;
      quote = '"';
      index++;
    }
    if (isQuoteCode(quote.charCodeAt(0))) {
      const start = index + 1;
      const close = findClosingQuote(text, start, quote, escapedQuote);
      const end = close < 0 ? findLineEnd(text, start) : close;
      let valueStart = start;
      if (extent === 'scheme') valueStart = this.skipScheme(text, start, end);
      if (isPlaceholderValue(text.slice(valueStart, end), true, key)) return undefined;
      if (valueStart >= end) return undefined;
      return { start: valueStart, end };
    }
    // JSON structures under a key are walked field by field, not swallowed here.
    if ((quote === '{' || quote === '[') && /^[{[]\s*(?:["'}\]]|$)/.test(text.slice(index, index + 8))) return undefined;
    // A template with blanks inside (`{{ .Values.password }}`, `{% secret %}`, `<%= token %>`) is filled in later.
    if (opensTemplate(text, index)) return undefined;
    let start = index;
    let end: number;
    if (extent === 'line' || extent === 'scheme') {
      let lineEnd = findLineEnd(text, index);
      if (enclosingQuote) {
        const close = text.indexOf(enclosingQuote, index);
        if (close >= 0 && close < lineEnd) lineEnd = close;
      }
      if (extent === 'scheme') start = this.skipScheme(text, index, lineEnd);
      end = lineEnd;
      while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
    } else {
      end = start;
      // An escape inside a string (`"TOKEN=abc\nNEXT=1"`, `\"`) ends the value: what follows is the next line or the string's end.
      while (end < text.length && !stopsUnquoted(text.charCodeAt(end)) && !(text.charCodeAt(end) === 92 && isEscapeEnd(text, end))) end++;
      end = trimUnbalancedClosers(text, start, end);
    }
    if (end <= start) return undefined;
    const value = text.slice(start, end);
    if (isPlaceholderValue(value, false, key)) return undefined;
    // An expression, not a value: `credentials: new AWS.Credentials(…)`, `token: await fetchToken()`.
    if (EXPRESSION_WORDS.has(value) && (isBlank(text.charCodeAt(end)) || text[end] === '(')) return undefined;
    return { start, end };
  }

  /** `Bearer abc`: the scheme word stays visible, the credentials go. */
  private skipScheme(text: string, start: number, end: number): number {
    let wordEnd = start;
    while (wordEnd < end && !isBlank(text.charCodeAt(wordEnd))) wordEnd++;
    if (wordEnd >= end || !AUTH_SCHEMES.has(text.slice(start, wordEnd).toLowerCase())) return start;
    while (wordEnd < end && isBlank(text.charCodeAt(wordEnd))) wordEnd++;
    return wordEnd;
  }
}
