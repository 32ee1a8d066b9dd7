// The masking engine's pre-check: one pass over a string's UTF-8 bytes tells, for every rule, whether its
// pre-checks pass (a required literal is there, the digits, hex and colons have the shape it needs), so most
// strings skip most rules. A pre-check may only rule out strings in which the rule's detector cannot match.
import type { TextNeeds } from './rules-schema';

/** What one rule asks of a string before its detector runs. */
export interface RuleGate {
  /** Literals, case-sensitive; with `anyCase`, one of either must occur. */
  requires?: readonly string[];
  /** Lower-case literals found in any ASCII case (as a regex with the `i` flag finds them). */
  anyCase?: readonly string[];
  /**
   * The literals count only where a key containing them could be followed by a value (keyword_assignment rules):
   * an operator, a quote, a bracket or markup right after the key, or blanks then an operator or a quote.
   */
  assignment?: boolean;
  needs?: TextNeeds;
}

/** Shape counts of one string; `needs` of the rules are checked against them. */
export interface TextShape {
  digits: number;
  /** Longest run of digits. */
  digitRun: number;
  /** Most digits in one group joined by up to two of space, `-`, `.`, `(`, `)`, `+` between digits. */
  digitGroup: number;
  /** Digits, a dot, digits… three dots in one run (`1.2.3.4`). */
  dottedQuad: boolean;
  /** Two capitals then two digits (`DE89`). */
  ibanStart: boolean;
  /** At least six colons, or a `::`. */
  colons: boolean;
  /** A `::`, or six `hex:` groups in a row (each of one to four hex digits): every IPv6 address has one. */
  hexColons: boolean;
  /** A run of 7 to 64 hex digits with a letter, not next to a word character or `-` (a trace id, a hash). */
  hexId: boolean;
  /** Exactly 8 hex digits then `-`, not after a word character or `-` (how a UUID starts). */
  uuidStart: boolean;
  /** Runs of digits as an SSN groups them: 3, 2 and 4 split by single spaces, dashes or dots; 3-6; 5-4; not after a word character, `.` or `-`. */
  ssnGroups: boolean;
  /** How a national phone number groups its digits: `(ddd)`; 3, 3 and 4 split by single dashes or dots; a trunk 0 (two to five digits, not after a word character, `.` or `-`) then a dash and a digit. */
  nationalPhone: boolean;
}

interface Literal {
  /** The literal's UTF-8 bytes; lower-case for literals found in any case. */
  bytes: Uint8Array;
  anyCase: boolean;
  rules: number[];
  /** Rules for which this literal counts only before an assignment. */
  assignmentRules: number[];
}

const utf8 = new TextEncoder();

/** ASCII letters folded to lower case, every other byte as it is: the `i` flag without `u` folds only ASCII here. */
const FOLD = new Uint8Array(256).map((_, byte) => (byte >= 65 && byte <= 90 ? byte + 32 : byte));

/** Byte classes, as bits. */
const WORD = 1;
/** Continues a key name in the credential scanner: word characters, `-`, `.`, `$` and every non-ASCII byte. */
const KEY = 2;
const BLANK = 4;
const HEX = 8;
const DIGIT = 16;
const UPPER = 32;
/** Keeps a group of digits together: space, `-`, `.`, `(`, `)`, `+`. */
const GROUP_SEPARATOR = 64;
/** Splits the groups of an SSN: space, `-`, `.`. */
const SSN_SEPARATOR = 128;
const CLASS = new Uint8Array(256).map((_, byte) => {
  let kind = 0;
  const isDigit = byte >= 48 && byte <= 57;
  const isUpper = byte >= 65 && byte <= 90;
  const isLower = byte >= 97 && byte <= 122;
  if (isDigit || isUpper || isLower || byte === 95) kind |= WORD | KEY;
  if (byte === 45 || byte === 46 || byte === 36 || byte >= 128) kind |= KEY;
  if (byte === 32 || byte === 9) kind |= BLANK;
  if (isDigit || (byte >= 65 && byte <= 70) || (byte >= 97 && byte <= 102)) kind |= HEX;
  if (isDigit) kind |= DIGIT;
  if (isUpper) kind |= UPPER;
  if (byte === 32 || byte === 45 || byte === 46 || byte === 40 || byte === 41 || byte === 43) kind |= GROUP_SEPARATOR;
  if (byte === 32 || byte === 45 || byte === 46) kind |= SSN_SEPARATOR;
  return kind;
});

/** Bytes the main pass stops at: a digit, a colon, a single-byte literal. */
const EVENT_DIGIT = 1;
const EVENT_COLON = 2;
const EVENT_SINGLE = 4;
const EVENT_BITS = 3;

/** Shape flags, as bits. */
const DOTTED_QUAD = 1;
const IBAN_START = 2;
const COLONS = 4;
const HEX_COLONS = 8;
const HEX_ID = 16;
const UUID_START = 32;
const SSN_GROUPS = 64;
const NATIONAL_PHONE = 128;
const HEX_SHAPES = HEX_ID | UUID_START;
const RUN_SHAPES = SSN_GROUPS | NATIONAL_PHONE;
/** Shapes worked out after the main pass, and only for a string whose rules ask about them. */
const LATER_SHAPES = HEX_SHAPES | RUN_SHAPES;

function needFlags(needs: TextNeeds): number {
  return (
    (needs.dottedQuad ? DOTTED_QUAD : 0) |
    (needs.ibanStart ? IBAN_START : 0) |
    (needs.colons ? COLONS : 0) |
    (needs.hexColons ? HEX_COLONS : 0) |
    (needs.hexId ? HEX_ID : 0) |
    (needs.uuidStart ? UUID_START : 0) |
    (needs.ssnGroups ? SSN_GROUPS : 0) |
    (needs.nationalPhone ? NATIONAL_PHONE : 0)
  );
}

/** A run of digits at `start` that is not after a word character, `.` or `-` (as `(?<![\w.-])` asks). */
function bound(bytes: Uint8Array, start: number): boolean {
  if (start === 0) return true;
  const before = bytes[start - 1]!;
  return (CLASS[before]! & WORD) === 0 && before !== 45 && before !== 46;
}

/** After a key (and an optional closing quote or bracket): what can start the operator or the quoted value. */
function startsValue(byte: number): boolean {
  // : = - ! " ' `
  return byte === 58 || byte === 61 || byte === 45 || byte === 33 || byte === 34 || byte === 39 || byte === 96;
}

/** The rest of a literal whose first two bytes are known to match (as pairs are registered: exactly, or in any case). */
function sameBytes(text: Uint8Array, at: number, literal: Literal): boolean {
  const bytes = literal.bytes;
  if (literal.anyCase) {
    for (let index = 2; index < bytes.length; index++) if (FOLD[text[at + index]!] !== bytes[index]) return false;
    return true;
  }
  for (let index = 2; index < bytes.length; index++) if (text[at + index] !== bytes[index]) return false;
  return true;
}

/** A literal's first byte as it may appear: both cases of an ASCII letter for a literal found in any case. */
function variantsOf(byte: number, anyCase: boolean): number[] {
  return anyCase && byte >= 97 && byte <= 122 ? [byte, byte - 32] : [byte];
}

/**
 * Compiled once per engine and reused for every string (the engine never re-enters itself). `scan` reads the string
 * once: it finds the literals and counts digits and colons, and `admits` then answers per rule. Hex ids and UUID
 * starts take a second pass, and SSN and phone groups a pass over the recorded runs of digits, each made only when a
 * rule that needs it is asked about (keep rules, which rarely run; rules whose other pre-checks passed).
 */
export class TextScanner {
  /** 1 where a rule's literals and main-pass shapes pass; `admits` adds the shapes worked out later. */
  readonly allowed: Uint8Array;
  /** For each pair of bytes that starts a literal (every case of it for one found in any case): 1 + a slot. */
  private readonly pairSlot = new Uint16Array(65536);
  private readonly literalsByPair: Literal[][] = [];
  /** Per slot, one bit per third byte (its low five bits, so letters of either case share one) a literal goes on with. */
  private readonly thirdBytes: Int32Array;
  private readonly events = new Uint8Array(256);
  /**
   * Per pair of bytes (previous << 8 | current): the pair's literal slot << 3 | the current byte's events. Most
   * bytes start no literal and are no event: the main pass costs them one look-up here and one branch.
   */
  private readonly steps = new Uint16Array(65536);
  /** For a byte that is a literal on its own: 1 + its slot in `singleRules`. */
  private readonly singleSlot = new Uint8Array(256);
  private readonly singleRules: number[][] = [];
  /** Rules whose literal pre-check passes whatever the string holds (no literals, or one we cannot check by bytes). */
  private readonly literalFree: Uint8Array;
  /** Per rule: the least digits, digit run, digit group and the shape flags its `needs` ask for. */
  private readonly needDigits: Uint8Array;
  private readonly needDigitRun: Uint8Array;
  private readonly needDigitGroup: Uint8Array;
  private readonly needFlags: Uint8Array;
  private readonly shapedRules: number[] = [];
  private buffer = new Uint8Array(4096);
  /** The bytes of the string being scanned: `buffer`, or a buffer of its own for a very long string. */
  private bytes = this.buffer;
  private length = 0;
  private counts = { digits: 0, digitRun: 0, digitGroup: 0 };
  private flags = 0;
  private hexScanned = false;
  private runsScanned = false;
  /** Start and end of each run of digits of the string last scanned; kept between calls like `buffer`. */
  private keptRunStarts = new Int32Array(2048);
  private keptRunEnds = new Int32Array(2048);
  private runStarts = this.keptRunStarts;
  private runEnds = this.keptRunEnds;
  private runCount = 0;
  /** The key run last looked at after a keyword (from where, to where) and whether a value could follow it. */
  private keyRunFrom = 0;
  private keyRunEnd = -1;
  private keyRunAssigns = false;

  constructor(gates: readonly RuleGate[]) {
    this.allowed = new Uint8Array(gates.length);
    this.literalFree = new Uint8Array(gates.length);
    this.needDigits = new Uint8Array(gates.length);
    this.needDigitRun = new Uint8Array(gates.length);
    this.needDigitGroup = new Uint8Array(gates.length);
    this.needFlags = new Uint8Array(gates.length);
    for (let byte = 48; byte <= 57; byte++) this.events[byte] = EVENT_DIGIT;
    this.events[58] = EVENT_COLON;
    const byKey = new Map<string, Literal>();
    const thirdBytes: number[] = [];
    gates.forEach((gate, rule) => {
      if (gate.needs) {
        this.needDigits[rule] = gate.needs.digits ?? 0;
        this.needDigitRun[rule] = gate.needs.digitRun ?? 0;
        this.needDigitGroup[rule] = gate.needs.digitGroup ?? 0;
        this.needFlags[rule] = needFlags(gate.needs);
        this.shapedRules.push(rule);
      }
      const literals = [...(gate.requires ?? []).map((text) => ({ text, anyCase: false })), ...(gate.anyCase ?? []).map((text) => ({ text, anyCase: true }))];
      // Outside ASCII the `i` flag folds more pairs than bytes can: such a rule keeps no literal pre-check.
      if (literals.length === 0 || literals.some((literal) => (literal.anyCase && /[^\x00-\x7f]/.test(literal.text)) || literal.text.startsWith('\0'))) {
        this.literalFree[rule] = 1;
        return;
      }
      for (const { text, anyCase } of literals) {
        const bytes = utf8.encode(anyCase ? text.toLowerCase() : text);
        if (bytes.length === 1) {
          const byte = bytes[0]!;
          for (const variant of variantsOf(byte, anyCase)) this.addSingle(variant, rule);
          continue;
        }
        const key = `${anyCase ? 'i' : 's'}:${text}`;
        let literal = byKey.get(key);
        if (!literal) {
          literal = { bytes, anyCase, rules: [], assignmentRules: [] };
          byKey.set(key, literal);
          for (const first of variantsOf(bytes[0]!, anyCase)) {
            for (const second of variantsOf(bytes[1]!, anyCase)) {
              const pair = (first << 8) | second;
              if (!this.pairSlot[pair]) {
                this.pairSlot[pair] = this.literalsByPair.push([]);
                thirdBytes.push(0);
              }
              const slot = this.pairSlot[pair]! - 1;
              this.literalsByPair[slot]!.push(literal);
              thirdBytes[slot]! |= bytes.length > 2 ? 1 << (bytes[2]! & 31) : -1;
            }
          }
        }
        (gate.assignment ? literal.assignmentRules : literal.rules).push(rule);
      }
    });
    this.thirdBytes = Int32Array.from(thirdBytes);
    if (this.literalsByPair.length >= 1 << (16 - EVENT_BITS)) throw new Error('Masking rules: too many literal pre-checks');
    for (let pair = 0; pair < 65536; pair++) this.steps[pair] = (this.pairSlot[pair]! << EVENT_BITS) | this.events[pair & 255]!;
  }

  private addSingle(byte: number, rule: number): void {
    if (!this.singleSlot[byte]) this.singleSlot[byte] = this.singleRules.push([]);
    this.singleRules[this.singleSlot[byte]! - 1]!.push(rule);
    this.events[byte]! |= EVENT_SINGLE;
  }

  /** Puts the string's UTF-8 bytes in `bytes` and answers how many there are. */
  private encode(text: string): number {
    // UTF-8 takes at most three bytes per UTF-16 unit; three more for what the scan puts after the end.
    const needed = text.length * 3 + 3;
    if (needed > this.buffer.length) {
      const bytes = new Uint8Array(needed);
      if (needed <= 1 << 20) this.buffer = bytes;
      this.bytes = bytes;
    } else {
      this.bytes = this.buffer;
    }
    const written = utf8.encodeInto(text, this.bytes).written;
    // A run of digits takes two bytes at least (one digit, one other), and one more run follows the end.
    const runs = (written >>> 1) + 2;
    if (runs > this.keptRunStarts.length) {
      this.runStarts = new Int32Array(runs);
      this.runEnds = new Int32Array(runs);
      if (runs <= 1 << 18) {
        this.keptRunStarts = this.runStarts;
        this.keptRunEnds = this.runEnds;
      }
    } else {
      this.runStarts = this.keptRunStarts;
      this.runEnds = this.keptRunEnds;
    }
    return written;
  }

  scan(text: string): void {
    const allowed = this.allowed;
    allowed.set(this.literalFree);
    const length = (this.length = this.encode(text));
    this.keyRunFrom = 0;
    this.keyRunEnd = -1;
    const bytes = this.bytes;
    const steps = this.steps;
    const thirdBytes = this.thirdBytes;
    let singlesSeen = 0;
    let previous = 0;
    let digits = 0;
    let digitRun = 0;
    let digitGroup = 0;
    // Digits are taken a run at a time: a run is counted when the next one starts (or at the end), and what lies
    // between two runs is looked at from the second. The counts are those of a walk over every byte.
    let runStart = -1;
    let lastDigit = -4;
    let groupBefore = 0;
    let dots = 0;
    let flags = 0;
    let colonCount = 0;
    let chain = 0;
    let lastColon = -2;
    // Where each run starts and ends, for the shapes worked out only when a rule asks (`scanRuns`).
    const { runStarts, runEnds } = this;
    let runCount = 0;
    // After the end: a 0, then a digit that starts one more run, so that the last real run is counted where all the
    // others are (when the next one starts); then a 0 for the look-ahead of the literal filter. That run is not kept.
    bytes[length] = 0;
    bytes[length + 1] = 48;
    bytes[length + 2] = 0;
    // The digit after the end has a step, so the inner loop stops there at the latest, and the outer one after it.
    let index = -1;
    while (index < length + 1) {
      let byte: number;
      let step: number;
      // Most bytes start no literal and are no event. They are skipped in a loop with no call in it, which V8 compiles
      // tighter than the one loop with every case in it (the scan went from ~575 to ~510 ns a bench line).
      do {
        byte = bytes[++index]!;
        step = steps[(previous << 8) | byte]!;
        previous = byte;
      } while (step === 0);
      const slot = step >>> EVENT_BITS;
      if (slot !== 0 && ((thirdBytes[slot - 1]! >>> (bytes[index + 1]! & 31)) & 1) !== 0) this.matchLiterals(index - 1, slot - 1);
      const event = step & 7;
      if (event === 0) continue;
      if ((event & EVENT_DIGIT) !== 0) {
        if (index === lastDigit + 1) {
          lastDigit = index;
          continue;
        }
        let group = 0;
        if (runStart >= 0) {
          // The run that ended at lastDigit is counted now.
          const run = lastDigit - runStart + 1;
          digits += run;
          digitRun = Math.max(digitRun, run);
          group = groupBefore + run;
          digitGroup = Math.max(digitGroup, group);
          runEnds[runCount - 1] = lastDigit + 1;
          if (run >= 2 && runStart >= 2 && (CLASS[bytes[runStart - 1]!]! & UPPER) !== 0 && (CLASS[bytes[runStart - 2]!]! & UPPER) !== 0) flags |= IBAN_START;
        }
        const gap = index - lastDigit - 1;
        // Up to two separators keep the group together.
        groupBefore = gap <= 2 && (CLASS[bytes[index - 1]!]! & GROUP_SEPARATOR) !== 0 && (gap === 1 || (CLASS[bytes[index - 2]!]! & GROUP_SEPARATOR) !== 0) ? group : 0;
        dots = gap === 1 && bytes[index - 1] === 46 ? dots + 1 : 0;
        if (dots >= 3) flags |= DOTTED_QUAD;
        runStarts[runCount++] = runStart = lastDigit = index;
        continue;
      }
      if (index >= length) continue;
      if ((event & EVENT_COLON) !== 0) {
        colonCount++;
        if (index > 0 && bytes[index - 1] === 58) flags |= COLONS | HEX_COLONS;
        // IPv6 groups: the hex digits right before this colon (up to five are enough to tell) continue the chain
        // when they are one to four and follow the previous colon; the first group may be the tail of a longer run.
        let hexDigits = 0;
        while (hexDigits < 5 && index > hexDigits && (CLASS[bytes[index - hexDigits - 1]!]! & HEX) !== 0) hexDigits++;
        if (hexDigits === 0) chain = 0;
        else chain = chain > 0 && hexDigits <= 4 && lastColon === index - hexDigits - 1 ? chain + 1 : 1;
        if (chain >= 6) flags |= HEX_COLONS;
        lastColon = index;
      }
      if ((event & EVENT_SINGLE) !== 0) {
        const single = this.singleSlot[byte]!;
        if (single > 30 || (singlesSeen & (1 << single)) === 0) {
          singlesSeen |= single > 30 ? 0 : 1 << single;
          for (const rule of this.singleRules[single - 1]!) allowed[rule] = 1;
        }
      }
    }
    this.runCount = runCount - 1;
    if (colonCount >= 6) flags |= COLONS;
    const counts = this.counts;
    counts.digits = digits;
    counts.digitRun = digitRun;
    counts.digitGroup = digitGroup;
    const shapes = (this.flags = flags);
    this.hexScanned = false;
    this.runsScanned = false;
    const { shapedRules, needDigits, needDigitRun, needDigitGroup, needFlags } = this;
    const missing = ~shapes & ~LATER_SHAPES;
    for (let index = 0; index < shapedRules.length; index++) {
      const rule = shapedRules[index]!;
      // Most rules were ruled out by their literals already.
      if (allowed[rule] === 0) continue;
      if (digits < needDigits[rule]! || digitRun < needDigitRun[rule]! || digitGroup < needDigitGroup[rule]! || (needFlags[rule]! & missing) !== 0) allowed[rule] = 0;
    }
  }

  /** Whether a rule's pre-checks all pass for the string last scanned. */
  admits(rule: number): boolean {
    if (this.allowed[rule] === 0) return false;
    const later = this.needFlags[rule]! & LATER_SHAPES;
    if (later === 0) return true;
    if ((later & HEX_SHAPES) !== 0 && !this.hexScanned) this.scanHex();
    if ((later & RUN_SHAPES) !== 0 && !this.runsScanned) this.scanRuns();
    return (later & ~this.flags) === 0;
  }

  /** The shape counts of the string last scanned, hex shapes included (for tests and diagnostics). */
  shape(): TextShape {
    if (!this.hexScanned) this.scanHex();
    if (!this.runsScanned) this.scanRuns();
    const flags = this.flags;
    return {
      ...this.counts,
      dottedQuad: (flags & DOTTED_QUAD) !== 0,
      ibanStart: (flags & IBAN_START) !== 0,
      colons: (flags & COLONS) !== 0,
      hexColons: (flags & HEX_COLONS) !== 0,
      hexId: (flags & HEX_ID) !== 0,
      uuidStart: (flags & UUID_START) !== 0,
      ssnGroups: (flags & SSN_GROUPS) !== 0,
      nationalPhone: (flags & NATIONAL_PHONE) !== 0,
    };
  }

  /**
   * The shapes of runs of digits that only strings with long digit groups need looked at: SSN groups, national phone
   * groups. Runs split by exactly one byte follow each other (the earlier one ended two bytes before).
   */
  private scanRuns(): void {
    const { bytes, runStarts, runEnds, runCount } = this;
    let flags = this.flags;
    for (let index = 0; index < runCount; index++) {
      const start = runStarts[index]!;
      const end = runEnds[index]!;
      const run = end - start;
      const before = start > 0 ? bytes[start - 1]! : 0;
      const afterOne = index >= 1 && runEnds[index - 1]! + 1 === start;
      const afterTwo = afterOne && index >= 2 && runEnds[index - 2]! + 1 === runStarts[index - 1]!;
      const earlier = afterOne ? runEnds[index - 1]! - runStarts[index - 1]! : 0;
      const older = afterTwo ? runEnds[index - 2]! - runStarts[index - 2]! : 0;
      const firstSeparator = afterTwo ? bytes[runStarts[index - 1]! - 1]! : 0;
      if (
        (older === 3 && earlier === 2 && run === 4 && (CLASS[firstSeparator]! & SSN_SEPARATOR) !== 0 && (CLASS[before]! & SSN_SEPARATOR) !== 0 && bound(bytes, runStarts[index - 2]!)) ||
        (before === 45 && ((earlier === 3 && run === 6) || (earlier === 5 && run === 4)) && bound(bytes, runStarts[index - 1]!))
      ) {
        flags |= SSN_GROUPS;
      }
      if (
        (older === 3 && earlier === 3 && run === 4 && (firstSeparator === 45 || firstSeparator === 46) && (before === 45 || before === 46)) ||
        (run === 3 && before === 40 && bytes[end] === 41) ||
        (run >= 2 && run <= 5 && bytes[start] === 48 && bytes[end] === 45 && (CLASS[bytes[end + 1]!]! & DIGIT) !== 0 && bound(bytes, start))
      ) {
        flags |= NATIONAL_PHONE;
      }
    }
    this.flags = flags;
    this.runsScanned = true;
  }

  /** Runs of hex digits: ids of 7 to 64 with a letter, and UUID starts, each standing alone as the keep rules' regexes ask. */
  private scanHex(): void {
    const bytes = this.bytes;
    const length = this.length;
    let flags = this.flags;
    let hexStart = -1;
    let hexLetter = false;
    for (let index = 0; index <= length; index++) {
      // One step past the end closes a trailing run; the byte there reads as 0 (no class).
      const byte = index < length ? bytes[index]! : 0;
      const kind = CLASS[byte]!;
      if ((kind & HEX) !== 0) {
        if (hexStart < 0) {
          hexStart = index;
          hexLetter = false;
        }
        if ((kind & DIGIT) === 0) hexLetter = true;
        continue;
      }
      if (hexStart < 0) continue;
      const hexLength = index - hexStart;
      const before = hexStart > 0 ? bytes[hexStart - 1]! : 0;
      if ((CLASS[before]! & WORD) === 0 && before !== 45) {
        if (hexLetter && hexLength >= 7 && hexLength <= 64 && (kind & WORD) === 0 && byte !== 45) flags |= HEX_ID;
        if (hexLength === 8 && byte === 45) flags |= UUID_START;
      }
      hexStart = -1;
    }
    this.flags = flags;
    this.hexScanned = true;
  }

  /**
   * `assignmentFollows`, remembered for the key run last looked at: keywords inside one run share its end, so a run of
   * repeated keywords is walked once, not once per keyword.
   */
  private assignmentAfter(from: number): boolean {
    // Keyword ends come in order (but for a keyword inside a longer one): between the last and this one lie key bytes.
    if (from < this.keyRunFrom) return assignmentFollows(this.bytes, this.length, from);
    if (from > this.keyRunEnd) {
      let end = from;
      while (end < this.length && (CLASS[this.bytes[end]!]! & KEY) !== 0) end++;
      this.keyRunEnd = end;
      this.keyRunAssigns = assignmentFollows(this.bytes, this.length, end);
    }
    this.keyRunFrom = from;
    return this.keyRunAssigns;
  }

  private matchLiterals(at: number, slot: number): void {
    const bytes = this.bytes;
    const length = this.length;
    const allowed = this.allowed;
    for (const literal of this.literalsByPair[slot]!) {
      if (at + literal.bytes.length > length || !sameBytes(bytes, at, literal)) continue;
      for (const rule of literal.rules) allowed[rule] = 1;
      if (literal.assignmentRules.length !== 0 && this.assignmentAfter(at + literal.bytes.length)) {
        for (const rule of literal.assignmentRules) allowed[rule] = 1;
      }
    }
  }
}

/**
 * Whether the key around a keyword ending at `from` could be followed by a value, as the credential scanner reads
 * one: the key runs on over word characters, `-`, `.`, `$` and non-ASCII; then markup `>`, a closing quote or
 * bracket, an operator (`:`, `=`, `-`, `!`), or blanks and then an operator or a quote. A key ending in `-`, `.` or
 * `$` passes (the scanner trims those, and `->` is an operator).
 */
export function assignmentFollows(bytes: Uint8Array, length: number, from: number): boolean {
  let index = from;
  while (index < length && (CLASS[bytes[index]!]! & KEY) !== 0) index++;
  const last = bytes[index - 1]!;
  if (last === 45 || last === 46 || last === 36) return true;
  if (index >= length) return false;
  const next = bytes[index]!;
  // > \ ] [ and the value starters
  if (next === 62 || next === 92 || next === 93 || next === 91 || startsValue(next)) return true;
  if ((CLASS[next]! & BLANK) === 0) return false;
  while (index < length && (CLASS[bytes[index]!]! & BLANK) !== 0) index++;
  return index < length && startsValue(bytes[index]!);
}
