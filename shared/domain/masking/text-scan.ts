// The masking engine's pre-check: one pass over a string's UTF-8 bytes tells, for every rule, whether its
// pre-checks pass (a required literal is there, the digits, hex and colons have the shape it needs), so most
// strings skip most rules. A pre-check may only rule out strings in which the rule's detector cannot match.
// The byte-level main pass runs in WebAssembly SIMD (wasm/text-scan.c); the literals it finds are matched here.
import type { TextNeeds } from './rules-schema';
import { TEXT_SCAN_WASM_BASE64 } from './wasm/text-scan-wasm';

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
  /** Not after a letter or digit: two letters of any case then two digits (`de89`), or two capitals, one or two blanks (space, tab), two digits (`DE 89`). */
  ibanStartLoose: boolean;
  /**
   * A run of 20 or more letters, digits and `+ / _ ~ . -` where a value goes: right after `=`, `:`, a quote or the
   * string's start (a field's whole value), or blanks after one of them or after a flag (a run of those starting with
   * `-`); and upper case, and lower case, in such runs.
   */
  mixedToken: boolean;
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
  /**
   * How a national phone number groups its digits: `(ddd)`; 3, 3 and 4 split by single dashes or dots; a trunk 0 (two
   * to five digits, not after a word character, `.` or `-`) then a dash and a digit; a trunk 0 of two to four digits so
   * placed and not after a digit and a space, then a space and a digit.
   */
  nationalPhone: boolean;
  /**
   * How national id numbers group their digits (national-ids.ts): 6 to 8 digits before a capital or `-` and a capital;
   * 3 between capitals; 4 4 4 split by spaces, not inside a longer group; 3.3.3; 2.2.2-d; 6, `-` or `+`, then 3, 4 or 7; 3 3 2 split by spaces.
   */
  nationalId: boolean;
  /** Six digits then a capital (A-Z), or a capital, three digits and a capital: how ids that mix them look. */
  letteredId: boolean;
  /**
   * A run of 13 or more letters and digits with a digit and a letter beyond `f` among them, right after one of
   * `+ - . / _ ~` (the random part of a prefixed token).
   */
  tokenBody: boolean;
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

/** Byte classes, as bits (the shapes are told in wasm/text-scan.c; these serve the credential keys' pre-check). */
/** Continues a key name in the credential scanner: word characters, `-`, `.`, `$` and every non-ASCII byte. */
const KEY = 2;
const BLANK = 4;
const CLASS = new Uint8Array(256).map((_, byte) => {
  let kind = 0;
  const isWord = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte === 95;
  if (isWord || byte === 45 || byte === 46 || byte === 36 || byte >= 128) kind |= KEY;
  if (byte === 32 || byte === 9) kind |= BLANK;
  return kind;
});

/** Shape flags, as bits (the main pass in wasm/text-scan.c sets the first six, LETTERED_ID and MARKED_DIGIT_RUN; runShapes, hexShapes and tokenShapes the rest). */
const DOTTED_QUAD = 1;
const IBAN_START = 2;
const COLONS = 4;
const HEX_COLONS = 8;
const IBAN_START_LOOSE = 16;
const MIXED_TOKEN = 32;
const HEX_ID = 64;
const UUID_START = 128;
const SSN_GROUPS = 256;
const NATIONAL_PHONE = 512;
const NATIONAL_ID = 1024;
/** Told by the main pass, but checked as a later shape: the shape tables cover only the six main shapes above. */
const LETTERED_ID = 2048;
/** Told by the main pass and checked as LETTERED_ID is: a run of 13+ letters and digits with a digit after one of `+ - . / _ ~`. */
const MARKED_DIGIT_RUN = 4096;
/** Read (tokenShapes) only in strings with a MARKED_DIGIT_RUN. */
const TOKEN_BODY = 8192;
const HEX_SHAPES = HEX_ID | UUID_START;
const RUN_SHAPES = SSN_GROUPS | NATIONAL_PHONE | NATIONAL_ID;
/** Shapes worked out after the main pass, and only for a string whose rules ask about them. */
const LATER_SHAPES = HEX_SHAPES | RUN_SHAPES | LETTERED_ID | MARKED_DIGIT_RUN | TOKEN_BODY;
/** The shapes the main pass tells. */
const MAIN_SHAPES = DOTTED_QUAD | IBAN_START | COLONS | HEX_COLONS | IBAN_START_LOOSE | MIXED_TOKEN;
/** How many sets of main-pass shapes there are (one bit each). */
const MAIN_SHAPE_SETS = MAIN_SHAPES + 1;

function needFlags(needs: TextNeeds): number {
  return (
    (needs.dottedQuad ? DOTTED_QUAD : 0) |
    (needs.ibanStart ? IBAN_START : 0) |
    (needs.colons ? COLONS : 0) |
    (needs.hexColons ? HEX_COLONS : 0) |
    (needs.ibanStartLoose ? IBAN_START_LOOSE : 0) |
    (needs.mixedToken ? MIXED_TOKEN : 0) |
    (needs.hexId ? HEX_ID : 0) |
    (needs.uuidStart ? UUID_START : 0) |
    (needs.ssnGroups ? SSN_GROUPS : 0) |
    (needs.nationalPhone ? NATIONAL_PHONE : 0) |
    (needs.nationalId ? NATIONAL_ID : 0) |
    (needs.letteredId ? LETTERED_ID : 0) |
    (needs.tokenBody ? TOKEN_BODY | MARKED_DIGIT_RUN : 0)
  );
}

/** Compiled once per process; each scanner has an instance of its own (its own memory). */
let textScanModule: WebAssembly.Module | undefined;

interface TextScanExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  scan(tables: number, pairs: number, bytes: number, length: number, masks: number, out: number, hits: number): void;
  runShapes(masks: number, bytes: number, length: number): number;
  hexShapes(bytes: number, length: number): number;
  tokenShapes(masks: number, bytes: number, length: number): number;
}

/** Bit masks the main pass keeps per 64 bytes (`MASKS` in text-scan.c; a test holds the two equal). */
export const MASKS_PER_WORD = 12;
/** Bytes after the string that the main pass sets to 0 (it reads one past 64 for the last pair). */
const PADDING = 80;
const TABLE_BYTES = 192;
const PAIR_BITS_BYTES = 8192;
/** After the pair bits: each pair's slot + 1 (u16, 0 for none), then each slot's third and fourth bytes (u32 each, bit `byte & 31`). */
const PAIR_SLOTS_BYTES = 65536 * 2;
/** digits, digit run, digit group, flags, colons, pair hits, then 8 words of single bytes seen. */
const OUT_WORDS = 14;
const WASM_PAGE = 65536;
/**
 * A scanner keeps one instance for strings up to this many UTF-8 bytes (about 6.5 bytes of wasm memory per byte of
 * string: the bytes, their masks and pair hits). A longer string gets an instance of its own, dropped at the
 * next scan: WebAssembly memory never shrinks, and one huge string must not pin it for the process's life.
 */
const KEPT_CAPACITY = 64 * 1024;

/** A wasm instance of the main pass and views of its memory, for strings up to `capacity` UTF-8 bytes. */
class ScanMemory {
  readonly wasm: TextScanExports;
  readonly tablesAt: number;
  readonly pairsAt: number;
  readonly outAt: number;
  readonly bytesAt: number;
  readonly masksAt: number;
  readonly hitsAt: number;
  /** The string's bytes and the padding the main pass zeroes after them. */
  readonly bytes: Uint8Array;
  /** Where the string is encoded: exactly `capacity` bytes, so a longer one is cut short and noticed. */
  readonly input: Uint8Array;
  readonly out: Uint32Array;
  readonly hits: Uint32Array;

  constructor(
    readonly capacity: number,
    tables: Uint8Array,
    /** The pair bits, the pairs' slots and the slots' third bytes, as the main pass reads them. */
    pairRegion: Uint8Array,
  ) {
    textScanModule ??= new WebAssembly.Module(Buffer.from(TEXT_SCAN_WASM_BASE64, 'base64'));
    this.wasm = new WebAssembly.Instance(textScanModule, {}).exports as unknown as TextScanExports;
    this.tablesAt = align(this.wasm.__heap_base.value as number, 16);
    this.pairsAt = this.tablesAt + TABLE_BYTES;
    this.outAt = align(this.pairsAt + pairRegion.length, 16);
    this.bytesAt = align(this.outAt + OUT_WORDS * 4, 16);
    // The main pass keeps masks for one word more than the string has.
    this.masksAt = align(this.bytesAt + capacity + PADDING, 8);
    this.hitsAt = this.masksAt + (Math.ceil(capacity / 64) + 2) * MASKS_PER_WORD * 8;
    const end = this.hitsAt + capacity * 4;
    const memory = this.wasm.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / WASM_PAGE));
    const buffer = memory.buffer;
    new Uint8Array(buffer, this.tablesAt, TABLE_BYTES).set(tables);
    new Uint8Array(buffer, this.pairsAt, pairRegion.length).set(pairRegion);
    this.bytes = new Uint8Array(buffer, this.bytesAt, capacity + PADDING);
    this.input = this.bytes.subarray(0, capacity);
    this.out = new Uint32Array(buffer, this.outAt, OUT_WORDS);
    this.hits = new Uint32Array(buffer, this.hitsAt, capacity);
  }

  scan(length: number): void {
    this.wasm.scan(this.tablesAt, this.pairsAt, this.bytesAt, length, this.masksAt, this.outAt, this.hitsAt);
  }

  /** SSN_GROUPS, NATIONAL_PHONE and NATIONAL_ID of the string last scanned, from its runs of digits. */
  runShapes(length: number): number {
    return this.wasm.runShapes(this.masksAt, this.bytesAt, length);
  }

  /** HEX_ID and UUID_START of the string last scanned, from its runs of hex digits. */
  hexShapes(length: number): number {
    return this.wasm.hexShapes(this.bytesAt, length);
  }

  /** TOKEN_BODY of the string last scanned (one the main pass found a MARKED_DIGIT_RUN in). */
  tokenShapes(length: number): number {
    return this.wasm.tokenShapes(this.masksAt, this.bytesAt, length);
  }
}

/** Byte -> the group bits of a nibble-table classifier (`low[byte & 15] & high[byte >> 4]`, as the wasm reads it). */
function groupTables(groupsOf: Uint8Array, low: Uint8Array, high: Uint8Array): void {
  low.fill(0);
  high.fill(0);
  for (let byte = 0; byte < 256; byte++) {
    const groups = groupsOf[byte]!;
    if (groups === 0) continue;
    low[byte & 15]! |= groups;
    high[byte >> 4]! |= groups;
  }
}

/** A pair of bytes that starts a literal, and the bytes that may follow it (undefined: any, a two-byte literal). */
interface LiteralPair {
  first: number;
  second: number;
  thirds: Set<number> | undefined;
}

/**
 * The literal pairs' groups for the wasm pair test, as tables. A pair passes when its first and second bytes are in
 * one group's nibble rectangles (low nibbles × high nibbles of its first bytes, and of its second bytes), so a group
 * lets through about the product of those four counts. First bytes (case folded), those with the most pairs first,
 * go to the group whose product grows least: cheap enough for a cold start (a search that scored every move over
 * all printable pairs found no better groups and took ~12 ms there), and it needs no sample of text. The pair
 * table decides anyway, so a loose group costs only time. The third bytes' tables then let through, per group,
 * only what its literals go on with.
 */
function pairGroupTables(literalPairs: readonly LiteralPair[], tables: Uint8Array): void {
  const fold = (byte: number) => (byte >= 65 && byte <= 90 ? byte + 32 : byte);
  const byFirst = new Map<number, LiteralPair[]>();
  for (const pair of literalPairs) {
    const first = fold(pair.first);
    byFirst.set(first, [...(byFirst.get(first) ?? []), pair]);
  }
  const order = [...byFirst.keys()].sort((a, b) => byFirst.get(b)!.length - byFirst.get(a)!.length || a - b);
  /** Per group: the nibbles of its first bytes and second bytes, as 16-bit sets (low, high, low, high). */
  const nibbles = Array.from({ length: 8 }, () => [0, 0, 0, 0]);
  const bitCount = (bits: number) => {
    let count = 0;
    for (let rest = bits; rest !== 0; rest &= rest - 1) count++;
    return count;
  };
  const passingOf = (sets: readonly number[]) => sets.reduce((product, set) => product * bitCount(set), 1);
  const groupOf = new Map<number, number>();
  for (const first of order) {
    const added = [0, 0, 0, 0];
    for (const pair of byFirst.get(first)!) {
      added[0]! |= 1 << (pair.first & 15);
      added[1]! |= 1 << (pair.first >> 4);
      added[2]! |= 1 << (pair.second & 15);
      added[3]! |= 1 << (pair.second >> 4);
    }
    let best = 0;
    let bestGrowth = Infinity;
    nibbles.forEach((sets, group) => {
      const growth = passingOf(sets.map((set, index) => set | added[index]!)) - passingOf(sets);
      if (growth < bestGrowth) {
        bestGrowth = growth;
        best = group;
      }
    });
    nibbles[best] = nibbles[best]!.map((set, index) => set | added[index]!);
    groupOf.set(first, best);
  }
  const firstGroups = new Uint8Array(256);
  const secondGroups = new Uint8Array(256);
  const thirdGroups = new Uint8Array(256);
  let anyThird = 0;
  for (const { first, second, thirds } of literalPairs) {
    const group = 1 << groupOf.get(fold(first))!;
    firstGroups[first]! |= group;
    secondGroups[second]! |= group;
    if (thirds === undefined) anyThird |= group;
    else for (const third of thirds) thirdGroups[third]! |= group;
  }
  groupTables(firstGroups, tables.subarray(32, 48), tables.subarray(48, 64));
  groupTables(secondGroups, tables.subarray(64, 80), tables.subarray(80, 96));
  const thirdLow = tables.subarray(128, 144);
  const thirdHigh = tables.subarray(144, 160);
  groupTables(thirdGroups, thirdLow, thirdHigh);
  for (let nibble = 0; nibble < 16; nibble++) {
    thirdLow[nibble]! |= anyThird;
    thirdHigh[nibble]! |= anyThird;
  }
}

/**
 * The byte classes of text-scan.c: digit 128 (the top bit, which the pass reads without masking), colon 2, group
 * separator 4, dot 8, capitals A-O 16 and P-Z 32, lower case a-o 64 and p-z 1.
 */
function classTables(low: Uint8Array, high: Uint8Array): void {
  const separators = new Set([0x0, 0x8, 0x9, 0xb, 0xd, 0xe]); // space ( ) + - . as low nibbles of 0x2_
  for (let nibble = 0; nibble < 16; nibble++) {
    low[nibble] =
      (nibble <= 9 ? 128 : 0) |
      (nibble === 10 ? 2 : 0) |
      (separators.has(nibble) ? 4 : 0) |
      (nibble === 14 ? 8 : 0) |
      (nibble >= 1 ? 16 | 64 : 0) |
      (nibble <= 10 ? 32 | 1 : 0);
  }
  high[2] = 4 | 8;
  high[3] = 128 | 2;
  high[4] = 16;
  high[5] = 32;
  high[6] = 64;
  high[7] = 1;
}

/**
 * The mark classes of text-scan.c, each an exact rectangle of nibbles: `-` 128 (the top bit), space 2, tab 4, `:`
 * and `=` 8, `"` and `'` 16, `+ - . /` 32, `_` 64, `~` 1.
 */
function markTables(low: Uint8Array, high: Uint8Array): void {
  low.fill(0);
  high.fill(0);
  const rectangles: Array<[number, number[], number[]]> = [
    [128, [0xd], [2]],
    [2, [0x0], [2]],
    [4, [0x9], [0]],
    [8, [0xa, 0xd], [3]],
    [16, [0x2, 0x7], [2]],
    [32, [0xb, 0xd, 0xe, 0xf], [2]],
    [64, [0xf], [5]],
    [1, [0xe], [7]],
  ];
  for (const [bit, lows, highs] of rectangles) {
    for (const nibble of lows) low[nibble]! |= bit;
    for (const nibble of highs) high[nibble]! |= bit;
  }
}

function align(offset: number, to: number): number {
  return Math.ceil(offset / to) * to;
}

/** After a key (and an optional closing quote or bracket): what can start the operator or the quoted value. */
function startsValue(byte: number): boolean {
  // : = - ! " ' ` and the leads of `?=`, `+=`, `.=`, `||=`, `&&=`, `<-`
  return (
    byte === 58 ||
    byte === 61 ||
    byte === 45 ||
    byte === 33 ||
    byte === 34 ||
    byte === 39 ||
    byte === 96 ||
    byte === 63 ||
    byte === 43 ||
    byte === 46 ||
    byte === 124 ||
    byte === 38 ||
    byte === 60
  );
}

/** Starts a type written between a key and its operator (`var apiKey string = …`, `*string`, `[]byte`, `&str`). */
function startsType(byte: number): boolean {
  return (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte === 42 || byte === 91 || byte === 38;
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
 * once, in WebAssembly: it counts digits, runs, groups and colons, tells the main-pass shapes and finds where literal
 * pairs start, which are matched here; `admits` then answers per rule. Hex ids and UUID starts take a second pass,
 * and SSN and phone groups a pass over the runs of digits, each made only when a rule that needs it is asked about
 * (keep rules, which rarely run; rules whose other pre-checks passed).
 */
export class TextScanner {
  /**
   * One bit per rule (rule >>> 5, bit rule & 31) where its literals and main-pass shapes pass; `admits` adds the
   * shapes worked out later. Bits, so the engine visits the few rules that passed rather than every rule.
   */
  readonly allowed: Int32Array;
  /** For each pair of bytes that starts a literal (every case of it for one found in any case): 1 + a slot. */
  private readonly pairSlot = new Uint16Array(65536);
  private readonly literalsByPair: Literal[][] = [];
  /** Per slot, one bit per third byte (its low five bits, so letters of either case share one) a literal goes on with. */
  /** For a byte that is a literal on its own: 1 + its slot in `singleRules`. */
  private readonly singleSlot = new Uint8Array(256);
  private readonly singleRules: number[][] = [];
  /** The bytes that are literals on their own, each once. */
  private readonly singleBytes: number[] = [];
  /** Rules whose literal pre-check passes whatever the string holds (no literals, or one we cannot check by bytes), as bits. */
  private readonly literalFree: Int32Array;
  /** Per rule: the shape flags its `needs` ask for. */
  private readonly needFlags: Uint16Array;
  /**
   * The rules the counts rule out, as bits: for digits, the longest run and the largest group (kinds 0, 1, 2), and a
   * count from 0 to 255, the rules needing more at `(kind * 256 + count) * words`. A table, not a loop over the rules,
   * because which rules are left to check varies from string to string and the loop's branches cost ~40 ns a line.
   */
  private readonly countRefusals: Int32Array;
  /** For each set of main-pass shapes missing (6 bits), the rules needing one of them, at `missing * words`. */
  private readonly shapeRefusals: Int32Array;
  /** The main pass's tables (class nibbles, pair groups, singles) and pair bits, copied into every instance. */
  private readonly tables = new Uint8Array(TABLE_BYTES);
  private readonly pairRegion: Uint8Array;
  /** The instance kept for strings up to KEPT_CAPACITY bytes, and the one the string last scanned is in. */
  private kept: ScanMemory;
  private memory: ScanMemory;
  /** The bytes of the string last scanned (a view of `memory`). */
  private bytes: Uint8Array;
  private length = 0;
  private counts = { digits: 0, digitRun: 0, digitGroup: 0 };
  private flags = 0;
  private hexScanned = false;
  private runsScanned = false;
  private tokensScanned = false;
  /** The key run last looked at after a keyword (from where, to where) and whether a value could follow it. */
  private keyRunFrom = 0;
  private keyRunEnd = -1;
  private keyRunAssigns = false;

  constructor(private readonly gates: readonly RuleGate[]) {
    this.allowed = new Int32Array(Math.ceil(gates.length / 32));
    this.literalFree = new Int32Array(this.allowed.length);
    this.needFlags = new Uint16Array(gates.length);
    const words = this.allowed.length;
    this.countRefusals = new Int32Array(3 * 256 * words);
    this.shapeRefusals = new Int32Array(MAIN_SHAPE_SETS * words);
    const byKey = new Map<string, Literal>();
    /** Per slot, the third and the fourth bytes its literals have (bit `byte & 31`; all bits past a literal's end). */
    const laterBytes: number[] = [];
    gates.forEach((gate, rule) => {
      if (gate.needs) {
        const bit = 1 << (rule & 31);
        const word = rule >>> 5;
        [gate.needs.digits, gate.needs.digitRun, gate.needs.digitGroup].forEach((need = 0, kind) => {
          for (let count = 0; count < Math.min(need, 256); count++) this.countRefusals[(kind * 256 + count) * words + word]! |= bit;
        });
        const flags = (this.needFlags[rule] = needFlags(gate.needs));
        for (let missing = 0; missing < MAIN_SHAPE_SETS; missing++) if ((flags & missing) !== 0) this.shapeRefusals[missing * words + word]! |= bit;
      }
      // A literal found in any case stands for each way the `i` flag may write its letters outside ASCII (`tél`:
      // `TéL`, `tÉl`…); a literal with too many such ways keeps its rule out of the literal pre-check.
      const spelled = (gate.anyCase ?? []).map(spellingsInAnyCase);
      if (spelled.some((spellings) => spellings === undefined)) {
        this.literalFree[rule >>> 5]! |= 1 << (rule & 31);
        return;
      }
      const literals = [
        ...(gate.requires ?? []).map((text) => ({ text, anyCase: false })),
        ...spelled.flatMap((spellings) => spellings!.map((text) => ({ text, anyCase: true }))),
      ];
      if (literals.length === 0 || literals.some((literal) => literal.text.startsWith('\0'))) {
        this.literalFree[rule >>> 5]! |= 1 << (rule & 31);
        return;
      }
      for (const { text, anyCase } of literals) {
        const bytes = utf8.encode(anyCase ? asciiLowerCase(text) : text);
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
                laterBytes.push(0, 0);
              }
              const slot = this.pairSlot[pair]! - 1;
              this.literalsByPair[slot]!.push(literal);
              laterBytes[2 * slot]! |= bytes.length > 2 ? 1 << (bytes[2]! & 31) : -1;
              laterBytes[2 * slot + 1]! |= bytes.length > 3 ? 1 << (bytes[3]! & 31) : -1;
            }
          }
        }
        (gate.assignment ? literal.assignmentRules : literal.rules).push(rule);
      }
    });

    const slotCount = this.literalsByPair.length;
    const pairRegion = (this.pairRegion = new Uint8Array(PAIR_BITS_BYTES + PAIR_SLOTS_BYTES + slotCount * 8));
    const pairBits = pairRegion.subarray(0, PAIR_BITS_BYTES);
    new Uint16Array(pairRegion.buffer, PAIR_BITS_BYTES, 65536).set(this.pairSlot);
    new Int32Array(pairRegion.buffer, PAIR_BITS_BYTES + PAIR_SLOTS_BYTES, slotCount * 2).set(laterBytes);
    const { tables } = this;
    classTables(tables.subarray(0, 16), tables.subarray(16, 32));
    markTables(tables.subarray(160, 176), tables.subarray(176, 192));
    const pairs: LiteralPair[] = [];
    for (let pair = 0; pair < 65536; pair++) {
      const slot = this.pairSlot[pair]!;
      if (!slot) continue;
      const literals = this.literalsByPair[slot - 1]!;
      const thirds = literals.some((literal) => literal.bytes.length === 2)
        ? undefined
        : new Set(literals.flatMap((literal) => variantsOf(literal.bytes[2]!, literal.anyCase)));
      pairs.push({ first: pair >> 8, second: pair & 255, thirds });
      pairBits[pair >> 3]! |= 1 << (pair & 7);
    }
    pairGroupTables(pairs, tables);
    // Single-byte literals: a group per high nibble, so ASCII ones are told exactly.
    const singleGroups = new Uint8Array(256);
    for (const byte of this.singleBytes) singleGroups[byte] = 1 << Math.min(byte >> 4, 7);
    groupTables(singleGroups, tables.subarray(96, 112), tables.subarray(112, 128));
    this.kept = this.memory = new ScanMemory(4096, tables, pairRegion);
    this.bytes = this.kept.bytes;
  }

  private addSingle(byte: number, rule: number): void {
    if (!this.singleSlot[byte]) {
      this.singleSlot[byte] = this.singleRules.push([]);
      this.singleBytes.push(byte);
    }
    this.singleRules[this.singleSlot[byte]! - 1]!.push(rule);
  }

  /** Puts the string's UTF-8 bytes in an instance's memory (`memory`, `bytes`) and answers how many there are. */
  private encode(text: string): number {
    if (text.length <= this.kept.capacity) {
      const { read, written } = utf8.encodeInto(text, this.kept.input);
      if (read === text.length) {
        this.memory = this.kept;
        this.bytes = this.kept.bytes;
        return written;
      }
    }
    const needed = Buffer.byteLength(text, 'utf8');
    let memory: ScanMemory;
    if (needed <= KEPT_CAPACITY) {
      memory = this.kept = new ScanMemory(Math.min(KEPT_CAPACITY, Math.max(needed, this.kept.capacity * 2)), this.tables, this.pairRegion);
    } else {
      memory = new ScanMemory(needed, this.tables, this.pairRegion);
    }
    this.memory = memory;
    this.bytes = memory.bytes;
    return utf8.encodeInto(text, memory.input).written;
  }

  scan(text: string): void {
    const allowed = this.allowed;
    const literalFree = this.literalFree;
    // A loop, not `set`: for two words the builtin's call costs more than the copy.
    for (let word = 0; word < allowed.length; word++) allowed[word] = literalFree[word]!;
    const length = (this.length = this.encode(text));
    this.keyRunFrom = 0;
    this.keyRunEnd = -1;
    const memory = this.memory;
    memory.scan(length);
    const { bytes, out, hits } = memory;
    const pairSlot = this.pairSlot;
    const counts = this.counts;
    const digits = (counts.digits = out[0]!);
    const digitRun = (counts.digitRun = out[1]!);
    const digitGroup = (counts.digitGroup = out[2]!);
    const flags = out[3]!;
    const hitCount = out[5]!;
    for (let index = 0; index < hitCount; index++) {
      const at = hits[index]!;
      // The main pass checked the third byte against the pair's slot already.
      this.matchLiterals(at, pairSlot[(bytes[at]! << 8) | bytes[at + 1]!]! - 1);
    }
    // Words 6 to 13 of `out`: the byte values the single-byte classifier let in (most strings: none).
    const singlesSeen = out[6]! | out[7]! | out[8]! | out[9]! | out[10]! | out[11]! | out[12]! | out[13]!;
    for (let index = 0; singlesSeen !== 0 && index < this.singleBytes.length; index++) {
      const byte = this.singleBytes[index]!;
      if (((out[6 + (byte >> 5)]! >>> (byte & 31)) & 1) === 0) continue;
      for (const rule of this.singleRules[this.singleSlot[byte]! - 1]!) allowed[rule >>> 5]! |= 1 << (rule & 31);
    }
    this.flags = flags;
    this.hexScanned = false;
    this.runsScanned = false;
    this.tokensScanned = false;
    const { countRefusals, shapeRefusals } = this;
    const words = allowed.length;
    const digitsAt = Math.min(digits, 255) * words;
    const runAt = (256 + Math.min(digitRun, 255)) * words;
    const groupAt = (512 + Math.min(digitGroup, 255)) * words;
    const missingAt = (~flags & MAIN_SHAPES) * words;
    for (let word = 0; word < words; word++) {
      allowed[word]! &= ~(countRefusals[digitsAt + word]! | countRefusals[runAt + word]! | countRefusals[groupAt + word]! | shapeRefusals[missingAt + word]!);
    }
  }

  /**
   * For strings of lower-case hex digits alone (ids, hashes): the fewest digits in a row with which one of `rules`
   * (bits, as `allowed`) could pass its pre-checks; 0 if one could on any such string, Infinity if none ever can.
   * Worked out from the gates, not from any text: such a string has no capital, separator, colon, dot, quote or
   * operator, so only loose IBAN starts and hex ids are among its shapes; its digit groups are its runs of digits;
   * and only a literal made of hex digits (in any case, for one found in any case) can be in it.
   */
  hexDigitRunToAdmit(rules: Int32Array): number {
    const hexOnly = (text: string): boolean => /^[0-9a-f]+$/.test(text);
    let fewest = Infinity;
    this.gates.forEach((gate, rule) => {
      if ((rules[rule >>> 5]! & (1 << (rule & 31))) === 0) return;
      const literalPossible =
        (this.literalFree[rule >>> 5]! & (1 << (rule & 31))) !== 0 ||
        (gate.requires ?? []).some(hexOnly) ||
        (gate.anyCase ?? []).some((text) => hexOnly(text.toLowerCase()));
      if (!literalPossible) return;
      const needs = gate.needs ?? {};
      if ((needFlags(needs) & ~(IBAN_START_LOOSE | HEX_ID)) !== 0) return;
      fewest = Math.min(fewest, Math.max(needs.digitRun ?? 0, needs.digitGroup ?? 0, (needs.digits ?? 0) > 0 ? 1 : 0));
    });
    return fewest;
  }

  /** Whether a rule's pre-checks all pass for the string last scanned. */
  admits(rule: number): boolean {
    if ((this.allowed[rule >>> 5]! & (1 << (rule & 31))) === 0) return false;
    const later = this.needFlags[rule]! & LATER_SHAPES;
    if (later === 0) return true;
    // The main pass told this one: most strings without it never need their runs walked.
    if ((later & (LETTERED_ID | MARKED_DIGIT_RUN) & ~this.flags) !== 0) return false;
    if ((later & HEX_SHAPES) !== 0 && !this.hexScanned) this.scanHex();
    if ((later & RUN_SHAPES) !== 0 && !this.runsScanned) this.scanRuns();
    if ((later & TOKEN_BODY) !== 0 && !this.tokensScanned) this.scanTokens();
    return (later & ~this.flags) === 0;
  }

  /** The shape counts of the string last scanned, hex shapes included (for tests and diagnostics). */
  shape(): TextShape {
    if (!this.hexScanned) this.scanHex();
    if (!this.runsScanned) this.scanRuns();
    if (!this.tokensScanned) this.scanTokens();
    const flags = this.flags;
    return {
      ...this.counts,
      dottedQuad: (flags & DOTTED_QUAD) !== 0,
      ibanStart: (flags & IBAN_START) !== 0,
      colons: (flags & COLONS) !== 0,
      hexColons: (flags & HEX_COLONS) !== 0,
      ibanStartLoose: (flags & IBAN_START_LOOSE) !== 0,
      mixedToken: (flags & MIXED_TOKEN) !== 0,
      hexId: (flags & HEX_ID) !== 0,
      uuidStart: (flags & UUID_START) !== 0,
      ssnGroups: (flags & SSN_GROUPS) !== 0,
      nationalPhone: (flags & NATIONAL_PHONE) !== 0,
      nationalId: (flags & NATIONAL_ID) !== 0,
      letteredId: (flags & LETTERED_ID) !== 0,
      tokenBody: (flags & TOKEN_BODY) !== 0,
    };
  }

  /**
   * The shapes of runs of digits that only strings with long digit groups need looked at: SSN groups, national phone
   * groups. Runs split by exactly one byte follow each other (the earlier one ended two bytes before).
   */
  private scanRuns(): void {
    this.flags |= this.memory.runShapes(this.length);
    this.runsScanned = true;
  }

  /** Runs of letters and digits after a token's punctuation: the random part of a prefixed token. */
  private scanTokens(): void {
    this.flags |= this.memory.tokenShapes(this.length);
    this.tokensScanned = true;
  }

  /** Runs of hex digits: ids of 7 to 64 with a letter, and UUID starts, each standing alone as the keep rules' regexes ask. */
  private scanHex(): void {
    this.flags |= this.memory.hexShapes(this.length);
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
      for (const rule of literal.rules) allowed[rule >>> 5]! |= 1 << (rule & 31);
      if (literal.assignmentRules.length !== 0 && this.assignmentAfter(at + literal.bytes.length)) {
        for (const rule of literal.assignmentRules) allowed[rule >>> 5]! |= 1 << (rule & 31);
      }
    }
  }
}

/**
 * Whether the key around a keyword ending at `from` could be followed by a value, as the credential scanner reads
 * one: the key runs on over word characters, `-`, `.`, `$` and non-ASCII; then markup `>`, a closing quote or
 * bracket, an operator (`:`, `=`, `-`, `!`, `?`, `+`, `.`, `|`, `&`, `<`), or blanks and then an operator or a quote,
 * or blanks, a type word and an operator. A key ending in `-`, `.` or `$` passes (the scanner trims those, and `->`
 * is an operator).
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
  if (index >= length) return false;
  if (startsValue(bytes[index]!)) return true;
  // A type between the key and the operator (Go's `var apiKey string = …`): a word, blanks, then the operator.
  if (!startsType(bytes[index]!)) return false;
  while (index < length && ((CLASS[bytes[index]!]! & KEY) !== 0 || startsType(bytes[index]!) || bytes[index] === 93)) index++;
  while (index < length && (CLASS[bytes[index]!]! & BLANK) !== 0) index++;
  return index < length && bytes[index] === 61;
}

function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** What the `i` flag without `u` compares a character by (ECMAScript's Canonicalize): its upper case, with two exceptions. */
function canonicalInAnyCase(char: string): string {
  const upper = char.toUpperCase();
  if (upper.length !== 1) return char;
  return char.charCodeAt(0) >= 128 && upper.charCodeAt(0) < 128 ? char : upper;
}

const sameInAnyCaseCache = new Map<string, string[]>();

/**
 * Every UTF-16 unit the `i` flag takes for `char`, found by asking each of the Basic Multilingual Plane once per
 * character (a few, at start-up): `é` and `É`, but also pairs no case mapping names both ways (`µ`, `μ`, `Μ`).
 */
function sameInAnyCase(char: string): string[] {
  let found = sameInAnyCaseCache.get(char);
  if (!found) {
    const target = canonicalInAnyCase(char);
    found = [char];
    for (let code = 128; code < 0x10000; code++) {
      const other = String.fromCharCode(code);
      if (other !== char && canonicalInAnyCase(other) === target) found.push(other);
    }
    sameInAnyCaseCache.set(char, found);
  }
  return found;
}

/** At most this many spellings stand for one literal found in any case; past it, its rule keeps no literal pre-check. */
const MAX_SPELLINGS = 64;

/**
 * The spellings of a literal found in any case that bytes must be matched against: ASCII letters are folded as the
 * bytes are read, so only the letters outside ASCII multiply them. Undefined when there would be too many.
 */
function spellingsInAnyCase(text: string): string[] | undefined {
  let spellings = [''];
  for (let index = 0; index < text.length; index++) {
    const unit = text[index]!;
    const ways = text.charCodeAt(index) < 128 ? [unit] : sameInAnyCase(unit);
    if (spellings.length * ways.length > MAX_SPELLINGS) return undefined;
    spellings = spellings.flatMap((spelling) => ways.map((way) => spelling + way));
  }
  return spellings;
}
