// The masking pre-check's main pass over a string's UTF-8 bytes, in WebAssembly SIMD (text-scan.ts drives it).
// Build: `npm run build:wasm` (clang with the wasm32 target and wasm-ld; Debian: apt-get install clang lld). The
// binary is committed as base64 in text-scan-wasm.ts, so neither CI nor Azure needs clang.
//
// Why SIMD: the JavaScript pass stopped at every digit, colon and literal start (~26 stops in a 113-byte log line),
// and those unpredictable branches were most of its cost. Here 16 bytes are classified at once into bit masks
// (one bit per byte, 64 bytes to a word), and digits, runs, groups and shapes are counted with bit operations.
// Only the pairs of bytes that may start a literal come out one by one, for text-scan.ts to match: text-scan.ts
// sorts the literal pairs into eight groups, and a pair passes when its first byte is in a group's first bytes and
// its second byte in the same group's second bytes (a few pairs of a log line pass; most are real).
//
// Bit i of a mask word is byte i of its 64. Every shift that crosses a word reads the neighbour word, so the counts
// are those of a walk over every byte (text-scan's tests hold them to their regex definitions).
#include <stdint.h>
#include <wasm_simd128.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint8_t u8;

// Byte classes of the first classifier (shufti: class = low[byte & 15] & high[byte >> 4]; every class is a set of
// low nibbles times a set of high nibbles, so the look-up is exact).
/** The top bit: a byte's top bit is what `wasm_i8x16_bitmask` reads, so digits need no masking first. */
#define CLASS_DIGIT 128
#define CLASS_COLON 2
/** Keeps a group of digits together: space, `-`, `.`, `(`, `)`, `+`. */
#define CLASS_GROUP_SEPARATOR 4
#define CLASS_DOT 8
/** A-O and P-Z: upper case is two rectangles. */
#define CLASS_UPPER_LOW 16
#define CLASS_UPPER_HIGH 32
/** a-o and p-z, the same for lower case. */
#define CLASS_LOWER_LOW 64
#define CLASS_LOWER_HIGH 1

// Byte classes of the second classifier (the same look-up, its own tables): what values, flags and tokens are made of.
/** The top bit, as for digits. */
#define MARK_DASH 128
#define MARK_SPACE 2
#define MARK_TAB 4
/** `:` and `=`. */
#define MARK_EQUALS_COLON 8
/** `"` and `'`. */
#define MARK_QUOTE 16
/** `+ - . /`, `_`, `~`: the bytes other than letters and digits a token is made of. */
#define MARK_TOKEN_PUNCTUATION 32
#define MARK_UNDERSCORE 64
#define MARK_TILDE 1

// Shape flags, as text-scan.ts numbers them.
#define DOTTED_QUAD 1
#define IBAN_START 2
#define COLONS 4
#define HEX_COLONS 8
#define IBAN_START_LOOSE 16
#define MIXED_TOKEN 32
/** Told by the main pass too, but read as a later shape (the shape tables of text-scan.ts cover the six above). */
#define LETTERED_ID 2048
/** A run of 13+ letters and digits with a digit right after one of `+ - . / _ ~` (read as LETTERED_ID is); tokenShapes then reads it. */
#define MARKED_DIGIT_RUN 4096

// Masks kept per word of 64 bytes.
// M_TOKEN_MARK: the bytes other than letters and digits a token is made of (`+ / _ ~ . -`).
// M_BLANK: space and tab. M_VALUE_OPEN: `=`, `:` and quotes, which a value can follow. M_DASH: `-`, how a flag starts.
enum { M_DIGIT, M_COLON, M_SEPARATOR, M_DOT, M_UPPER, M_PAIR, M_SINGLE, M_LOWER, M_TOKEN_MARK, M_BLANK, M_VALUE_OPEN, M_DASH, MASKS };

static inline v128_t classify(v128_t bytes, v128_t low, v128_t high) {
  v128_t lowNibbles = wasm_v128_and(bytes, wasm_i8x16_splat(15));
  v128_t highNibbles = wasm_u8x16_shr(bytes, 4);
  return wasm_v128_and(wasm_i8x16_swizzle(low, lowNibbles), wasm_i8x16_swizzle(high, highNibbles));
}

/** Bytes with any of `bits` (a single bit: v + 128 - bit has its top bit set just when v is that bit). */
static inline u64 maskOf(v128_t classes, u8 bit) {
  return (u64)wasm_i8x16_bitmask(wasm_i8x16_add(wasm_v128_and(classes, wasm_i8x16_splat((int8_t)bit)), wasm_i8x16_splat((int8_t)(128 - bit))));
}

/** Bytes of the class in the top bit. */
static inline u64 topBitOf(v128_t classes) {
  return (u64)wasm_i8x16_bitmask(classes);
}

/** Bytes whose classes are not all 0 (a saturating add of 127 sets the top bit of every byte but 0). */
static inline u64 anyOf(v128_t classes) {
  return (u64)wasm_i8x16_bitmask(wasm_u8x16_add_sat(classes, wasm_i8x16_splat(127)));
}

static inline int isHexByte(u8 byte) {
  return (u8)(byte - '0') < 10 || (u8)((byte | 0x20) - 'a') < 6;
}

/**
 * Six `hex:` groups in a row, each of one to four hex digits right before its colon and right after the previous
 * colon (the first group may be the tail of a longer run): every IPv6 address without `::` has them.
 */
static int hasHexColonChain(const u8 *bytes, const u64 *masks, u32 words) {
  u32 chain = 0;
  int64_t lastColon = -2;
  for (u32 word = 0; word < words; word++) {
    u64 colons = masks[(u64)word * MASKS + M_COLON];
    while (colons) {
      const u32 index = word * 64 + (u32)__builtin_ctzll(colons);
      colons &= colons - 1;
      // Up to five hex digits before the colon are enough to tell.
      u32 hexDigits = 0;
      while (hexDigits < 5 && index > hexDigits && isHexByte(bytes[index - hexDigits - 1])) hexDigits++;
      if (hexDigits == 0) chain = 0;
      else chain = chain > 0 && hexDigits <= 4 && lastColon == (int64_t)index - hexDigits - 1 ? chain + 1 : 1;
      if (chain >= 6) return 1;
      lastColon = index;
    }
  }
  return 0;
}

/**
 * Over the runs of ones of `segments`: the most bits of `counted` in one run. `*carry` comes in as the count of a
 * run that reached the top of the previous word, added to a run starting at bit 0, and goes out as the count of the
 * run reaching bit 63 (0 if none does).
 */
static inline u32 mostPerSegment(u64 segments, u64 counted, u32 *carry) {
  const u32 carryIn = *carry;
  u32 most = 0;
  *carry = 0;
  while (segments) {
    const u32 start = (u32)__builtin_ctzll(segments);
    const u64 rest = segments >> start;
    const u32 length = rest == ~0ULL >> start ? 64 - start : (u32)__builtin_ctzll(~rest);
    const u64 segment = (length == 64 ? ~0ULL : ((1ULL << length) - 1)) << start;
    u32 count = (u32)__builtin_popcountll(counted & segment);
    if (start == 0) count += carryIn;
    if (count > most) most = count;
    if (segment >> 63) *carry = count;
    segments &= ~segment;
  }
  return most;
}

/** Bits `k` (1 to 63) on in the 128 bits `high:low`, as the low word. */
static inline u64 shiftDown(u64 low, u64 high, u32 k) {
  return (low >> k) | (high << (64 - k));
}

/** Longest run of ones inside one word. */
static inline u32 longestRun(u64 mask) {
  u32 length = 0;
  while (mask) {
    mask &= mask >> 1;
    length++;
  }
  return length;
}

/**
 * tables: 192 bytes, the low and high nibble tables of the byte classes, of the literal pairs' groups by first byte
 * and by second byte, of the single-byte literals, of the pairs' groups by the byte after them (these three may let
 * in more bytes than they hold, never fewer) and of the mark classes. pairs: 65536 bits, one per pair of bytes that
 * starts a literal (first << 8 | second); then per pair its slot + 1 (u16); then per slot the third and the fourth
 * bytes its literals have (two u32, bit `byte & 31`; all bits past a literal's end).
 * bytes: the string, n bytes, then at least 80 bytes this function sets to 0. masks: MASKS * (n / 64 + 2) words.
 * out: digits, longest digit run, largest digit group, shape flags, colons, literal pair hits, then 8 words of bits:
 * the byte values seen where the single-byte classifier let a byte in. hits: where each literal pair with a
 * fitting third byte starts, in order (at most n).
 */
void scan(const u8 *tables, const u8 *pairs, u8 *bytes, u32 n, u64 *masks, u32 *out, u32 *hits) {
  const v128_t classLow = wasm_v128_load(tables), classHigh = wasm_v128_load(tables + 16);
  const v128_t firstLow = wasm_v128_load(tables + 32), firstHigh = wasm_v128_load(tables + 48);
  const v128_t secondLow = wasm_v128_load(tables + 64), secondHigh = wasm_v128_load(tables + 80);
  // The last word's pairs read two bytes past its 64: 80 bytes after the string are zeroed.
  const v128_t singleLow = wasm_v128_load(tables + 96), singleHigh = wasm_v128_load(tables + 112);
  const v128_t thirdLow = wasm_v128_load(tables + 128), thirdHigh = wasm_v128_load(tables + 144);
  const v128_t markLow = wasm_v128_load(tables + 160), markHigh = wasm_v128_load(tables + 176);
  const uint16_t *pairSlots = (const uint16_t *)(pairs + 8192);
  const u32 *laterBytes = (const u32 *)(pairs + 8192 + 131072);
  for (u32 offset = 0; offset < 80; offset += 16) wasm_v128_store(bytes + n + offset, wasm_i64x2_splat(0));
  const u32 words = (n + 63) / 64;
  // Pass 1: classify, 16 bytes at a time. Word `words` stays all zero: the neighbour after the last.
  for (u32 word = 0; word <= words; word++) {
    u64 *at = masks + (u64)word * MASKS;
    // Gathered in locals and stored once: stores through `at` could alias the bytes, so the compiler would
    // otherwise write every mask back after each 16 bytes.
    u64 wordMasks[MASKS];
    for (u32 mask = 0; mask < MASKS; mask++) wordMasks[mask] = 0;
    if (word < words) {
      for (u32 part = 0; part < 4; part++) {
        const v128_t chunk = wasm_v128_load(bytes + word * 64 + part * 16);
        const v128_t classes = classify(chunk, classLow, classHigh);
        const u32 shift = part * 16;
        wordMasks[M_DIGIT] |= topBitOf(classes) << shift;
        wordMasks[M_COLON] |= maskOf(classes, CLASS_COLON) << shift;
        wordMasks[M_SEPARATOR] |= maskOf(classes, CLASS_GROUP_SEPARATOR) << shift;
        wordMasks[M_DOT] |= maskOf(classes, CLASS_DOT) << shift;
        wordMasks[M_UPPER] |= anyOf(wasm_v128_and(classes, wasm_i8x16_splat(CLASS_UPPER_LOW | CLASS_UPPER_HIGH))) << shift;
        wordMasks[M_LOWER] |= anyOf(wasm_v128_and(classes, wasm_i8x16_splat((int8_t)(CLASS_LOWER_LOW | CLASS_LOWER_HIGH)))) << shift;
        const v128_t marks = classify(chunk, markLow, markHigh);
        wordMasks[M_DASH] |= topBitOf(marks) << shift;
        wordMasks[M_BLANK] |= anyOf(wasm_v128_and(marks, wasm_i8x16_splat(MARK_SPACE | MARK_TAB))) << shift;
        wordMasks[M_VALUE_OPEN] |= anyOf(wasm_v128_and(marks, wasm_i8x16_splat(MARK_EQUALS_COLON | MARK_QUOTE))) << shift;
        wordMasks[M_TOKEN_MARK] |= anyOf(wasm_v128_and(marks, wasm_i8x16_splat((int8_t)(MARK_TOKEN_PUNCTUATION | MARK_UNDERSCORE | MARK_TILDE)))) << shift;
        // Each byte's pair groups as a first byte, the next byte's as a second one and the one after as a third (loads
        // one and two bytes on).
        const v128_t second = wasm_v128_load(bytes + word * 64 + part * 16 + 1);
        const v128_t third = wasm_v128_load(bytes + word * 64 + part * 16 + 2);
        const v128_t groups = wasm_v128_and(classify(chunk, firstLow, firstHigh), classify(second, secondLow, secondHigh));
        wordMasks[M_PAIR] |= anyOf(wasm_v128_and(groups, classify(third, thirdLow, thirdHigh))) << shift;
        wordMasks[M_SINGLE] |= anyOf(classify(chunk, singleLow, singleHigh)) << shift;
      }
    }
    for (u32 mask = 0; mask < MASKS; mask++) at[mask] = wordMasks[mask];
  }
  // The bytes past the end are 0 and in no class, so their bits are 0 and the last word needs no trimming.
  u32 digits = 0, colons = 0, digitRun = 0, digitGroup = 0, flags = 0, hitCount = 0;
  u32 runCarry = 0;       // digits of the run reaching the top of the previous word
  u32 groupCarry = 0;     // digits of the group reaching the top of the previous word (0 if none does)
  u32 dotCarry = 0;       // bridging dots of the dotted run reaching the top of the previous word
  u64 previousDigit = 0, previousTwo = 0, previousAlnum = 0, previousToken = 0;
  u64 coveredCarry = 0;   // bytes of the next word inside a token run of 20 or more that started before it
  u64 openCarry = 1;      // whether the previous word's last byte can open a value (the string's start does: a whole value)
  u64 valueCarry = 0;     // whether the previous word ended inside a token run that opened as a value
  u64 flagCarry = 0;      // whether it ended inside a flag (a token run starting with `-`)
  u64 blankSeedCarry = 1; // whether this word's first byte, if blank, follows a flag, `=`, `:` or the string's start
  u64 blankCarry = 0;     // whether the previous word ended inside blanks that follow a flag, `=` or `:`
  u32 upperInToken = 0, lowerInToken = 0;
  u64 markCarry = 0;      // whether the previous word's last byte is one of `+ - . / _ ~`
  u64 markedCarry = 0;    // whether the previous word ended inside a run of letters and digits after one of them
  u32 markedLength = 0;   // bytes of that run in the words before, and whether they hold a digit
  u32 markedDigit = 0;
  u32 *singlesSeen = out + 6;
  for (u32 index = 0; index < 8; index++) singlesSeen[index] = 0;
  for (u32 word = 0; word < words; word++) {
    const u64 *at = masks + (u64)word * MASKS;
    const u64 *next = at + MASKS;
    const u64 digit = at[M_DIGIT], colon = at[M_COLON], separator = at[M_SEPARATOR] & ~digit;
    const u64 nextDigit = next[M_DIGIT];
    // Bit i of `before` is byte i - 1's, of `after1` byte i + 1's, and so on.
    const u64 digitBefore = (digit << 1) | (previousDigit >> 63);
    const u64 digitAfter1 = (digit >> 1) | (nextDigit << 63);
    const u64 digitAfter2 = (digit >> 2) | (nextDigit << 62);
    const u64 digitAfter3 = (digit >> 3) | (nextDigit << 61);
    const u64 separatorAfter1 = (separator >> 1) | ((next[M_SEPARATOR] & ~nextDigit) << 63);

    digits += (u32)__builtin_popcountll(digit);
    colons += (u32)__builtin_popcountll(colon);
    const u64 colonAfter1 = (colon >> 1) | (next[M_COLON] << 63);
    if (colon & colonAfter1) flags |= COLONS | HEX_COLONS;

    // Longest run of digits, across words.
    if (digit == ~0ULL) {
      runCarry += 64;
      if (runCarry > digitRun) digitRun = runCarry;
    } else {
      const u32 leading = (u32)__builtin_ctzll(~digit);
      if (runCarry + leading > digitRun) digitRun = runCarry + leading;
      if (digit) {
        const u32 inside = longestRun(digit);
        if (inside > digitRun) digitRun = inside;
      }
      runCarry = (u32)__builtin_clzll(~digit);
    }

    // Digit groups: one separator between digits, or two in a row between digits, join them.
    const u64 one = separator & digitBefore & digitAfter1;
    const u64 two = separator & separatorAfter1 & digitBefore & digitAfter2;
    const u64 bridges = one | two | (two << 1) | (previousTwo >> 63);
    if (bridges == 0) {
      // No separator joins digits here: the groups are the runs, already measured but for the carried digits.
      if (digit == ~0ULL) {
        groupCarry += 64;
        if (groupCarry > digitGroup) digitGroup = groupCarry;
      } else {
        const u32 bottom = groupCarry + (u32)__builtin_ctzll(~digit);
        if (bottom > digitGroup) digitGroup = bottom;
        if (digitRun > digitGroup) digitGroup = digitRun;
        groupCarry = (u32)__builtin_clzll(~digit);
      }
    } else {
      const u32 most = mostPerSegment(digit | bridges, digit, &groupCarry);
      if (most > digitGroup) digitGroup = most;
    }

    // Dotted quads (`1.2.3.4`): dots between digits, three of them in one run of digits and such dots.
    const u64 bridgingDots = at[M_DOT] & digitBefore & digitAfter1;
    const u64 dotted = digit | bridgingDots;
    if (bridgingDots == 0) {
      if (dotted != ~0ULL) dotCarry = 0;
    } else if (mostPerSegment(dotted, bridgingDots, &dotCarry) >= 3) {
      flags |= DOTTED_QUAD;
    }

    // IBAN starts: two capitals, then two digits.
    const u64 upper = at[M_UPPER];
    const u64 upperAfter1 = (upper >> 1) | (next[M_UPPER] << 63);
    if (upper & upperAfter1 & digitAfter2 & digitAfter3) flags |= IBAN_START;
    // National ids that mix letters and digits: six digits then a capital (DNI, NIE, NRIC, HETU), or a capital,
    // three digits and a capital (codice fiscale). ISO times (`18T07`, `.526Z`) have fewer digits before theirs.
    {
      const u64 nextUpper = next[M_UPPER];
      const u64 digitAfter4 = (digit >> 4) | (nextDigit << 60), digitAfter5 = (digit >> 5) | (nextDigit << 59);
      const u64 upperAfter4 = (upper >> 4) | (nextUpper << 60), upperAfter6 = (upper >> 6) | (nextUpper << 58);
      const u64 threeDigits = digitAfter1 & digitAfter2 & digitAfter3;
      if ((digit & threeDigits & digitAfter4 & digitAfter5 & upperAfter6) | (upper & threeDigits & upperAfter4)) flags |= LETTERED_ID;
    }

    // Loose IBAN starts, not after a letter or digit: two letters of any case then two digits; or two capitals, one
    // or two blanks (spaces or tabs), then two digits.
    const u64 lower = at[M_LOWER], nextLower = next[M_LOWER];
    const u64 letters = upper | lower, nextLetters = next[M_UPPER] | nextLower;
    const u64 alnum = letters | digit;
    const u64 lettersAfter1 = (letters >> 1) | (nextLetters << 63);
    const u64 alnumBefore = (alnum << 1) | (previousAlnum >> 63);
    const u64 space = at[M_BLANK], nextSpace = next[M_BLANK];
    const u64 spaceAfter2 = (space >> 2) | (nextSpace << 62);
    const u64 spaceAfter3 = (space >> 3) | (nextSpace << 61);
    const u64 digitAfter4 = (digit >> 4) | (nextDigit << 60);
    const u64 digitAfter5 = (digit >> 5) | (nextDigit << 59);
    if (((letters & lettersAfter1 & digitAfter2 & digitAfter3) | (upper & upperAfter1 & spaceAfter2 & ((digitAfter3 & digitAfter4) | (spaceAfter3 & digitAfter4 & digitAfter5)))) & ~alnumBefore) {
      flags |= IBAN_START_LOOSE;
    }

    // Mixed tokens in value position: runs of 20 or more token bytes (letters, digits, `+ / _ ~ . -`) right after a
    // byte a value can follow, and whether their bytes hold upper and lower case. A value follows `=`, `:`, a quote or
    // the string's start (a structured item's field holds it whole), or blanks after one of them or after a flag (a
    // token run starting with `-`). Runs are filled from their first bit by an add: adding it carries
    // through the run, so (mask + first) ^ mask has the run's bits set; a run from the previous word goes on.
    const u64 token = alnum | at[M_TOKEN_MARK];
    const u64 nextToken = nextDigit | next[M_UPPER] | nextLower | next[M_TOKEN_MARK];
    const u64 tokenStarts = token & ~((token << 1) | (previousToken >> 63));
    const u64 flagSum = token + (tokenStarts & at[M_DASH]) + flagCarry;
    const u64 flagRuns = (flagSum ^ token) & token;
    flagCarry = (flagRuns >> 63) & (nextToken & 1);
    const u64 flagEnds = flagRuns & ~((token >> 1) | (nextToken << 63));
    const u64 blank = at[M_BLANK];
    const u64 blankSeeds = (((flagEnds | at[M_VALUE_OPEN]) << 1) | blankSeedCarry) & blank;
    blankSeedCarry = (flagEnds | at[M_VALUE_OPEN]) >> 63;
    const u64 blankSum = blank + blankSeeds + blankCarry;
    const u64 openBlanks = (blankSum ^ blank) & blank;
    blankCarry = (openBlanks >> 63) & (next[M_BLANK] & 1);
    const u64 opens = at[M_VALUE_OPEN] | openBlanks;
    const u64 opensBefore = (opens << 1) | openCarry;
    openCarry = opens >> 63;
    const u64 starts = tokenStarts & opensBefore;
    const u64 sum = token + starts + valueCarry;
    const u64 value = (sum ^ token) & token;
    valueCarry = (value >> 63) & (nextToken & 1);
    previousToken = token;
    // A run of 20 starting at a byte may reach into the next word: the sums below look at the 128 bits of this word
    // and the next (its token bytes: the same run goes on there), of which the low 64 come out exact.
    // Most words hold no such run: one starting here has 20 bits here, or goes on into the next word.
    u64 run20 = 0;
    if (valueCarry || __builtin_popcountll(value) >= 20) {
      const u64 run2 = value & shiftDown(value, nextToken, 1), run2High = nextToken & (nextToken >> 1);
      const u64 run4 = run2 & shiftDown(run2, run2High, 2), run4High = run2High & (run2High >> 2);
      const u64 run8 = run4 & shiftDown(run4, run4High, 4), run8High = run4High & (run4High >> 4);
      const u64 run16 = run8 & shiftDown(run8, run8High, 8);
      run20 = run16 & shiftDown(run4, run4High, 16);
    }
    if (run20 | coveredCarry) {
      // The bytes of those runs: each start spread over the 20 bytes from it, by doubling to 16 (bytes 0-15), then
      // the first four again 16 bytes on (16-19). What passes the top of this word belongs to the next.
      u64 low = run20, high = 0, fourLow = 0, fourHigh = 0;
      for (u32 step = 1; step <= 8; step <<= 1) {
        high |= (high << step) | (low >> (64 - step));
        low |= low << step;
        if (step == 2) {
          fourLow = low;
          fourHigh = high;
        }
      }
      const u64 covered = low | (fourLow << 16) | coveredCarry;
      coveredCarry = high | (fourHigh << 16) | (fourLow >> 48);
      if (covered & upper) upperInToken = 1;
      if (covered & lower) lowerInToken = 1;
    }

    // Runs of letters and digits right after one of `+ - . / _ ~`, 13 or more with a digit: the random part of a
    // prefixed token may be one (tokenShapes reads such strings byte by byte). Filled by an add, as above.
    if ((flags & MARKED_DIGIT_RUN) == 0) {
      const u64 nextAlnum = nextDigit | next[M_UPPER] | nextLower;
      const u64 mark = at[M_TOKEN_MARK];
      const u64 markedStarts = alnum & ((mark << 1) | markCarry);
      markCarry = mark >> 63;
      const u64 marked = ((alnum + markedStarts + markedCarry) ^ alnum) & alnum;
      if (markedLength) {
        const u32 leading = marked == ~0ULL ? 64 : (u32)__builtin_ctzll(~marked);
        const u64 leadingBits = leading == 64 ? ~0ULL : (1ULL << leading) - 1;
        if (markedLength + leading >= 13 && (markedDigit || (digit & leadingBits))) flags |= MARKED_DIGIT_RUN;
      }
      // Where 13 bytes of such a run start inside this word, and where a digit lies within 13 bytes on.
      const u64 run2 = marked & (marked >> 1), run4 = run2 & (run2 >> 2), run8 = run4 & (run4 >> 4);
      const u64 run13 = run8 & (run4 >> 8) & (marked >> 12);
      if (run13) {
        u64 near = digit;
        near |= near >> 1;
        near |= near >> 2;
        near |= near >> 4;
        near |= near >> 5;
        if (run13 & near) flags |= MARKED_DIGIT_RUN;
      }
      markedCarry = (marked >> 63) & (nextAlnum & 1);
      if (markedCarry) {
        const u32 trailing = marked == ~0ULL ? 64 : (u32)__builtin_clzll(~marked);
        const u64 trailingBits = trailing == 64 ? ~0ULL : ~0ULL << (64 - trailing);
        markedDigit = (marked == ~0ULL ? markedDigit : 0) | ((digit & trailingBits) != 0);
        markedLength = marked == ~0ULL ? markedLength + 64 : trailing;
      } else {
        markedLength = 0;
        markedDigit = 0;
      }
    }

    previousAlnum = alnum;

    // Literal pairs: the groups let a few through; the pair table decides.
    u64 candidates = at[M_PAIR];
    while (candidates) {
      const u32 index = word * 64 + (u32)__builtin_ctzll(candidates);
      const u32 pair = ((u32)bytes[index] << 8) | bytes[index + 1];
      // A pair that starts a literal, then a third and a fourth byte its literals have there (by `byte & 31`): most
      // pairs of a log line that pass are `cre` of `created` or `con` of `connection`, not of `credential`.
      if ((pairs[pair >> 3] >> (pair & 7)) & 1) {
        const u32 *later = laterBytes + 2 * (pairSlots[pair] - 1u);
        if (((later[0] >> (bytes[index + 2] & 31)) & (later[1] >> (bytes[index + 3] & 31)) & 1)) hits[hitCount++] = index;
      }
      candidates &= candidates - 1;
    }

    // Single-byte literals: rare, so each byte let in is looked at.
    u64 singles = at[M_SINGLE];
    while (singles) {
      const u32 value = bytes[word * 64 + (u32)__builtin_ctzll(singles)];
      singlesSeen[value >> 5] |= 1u << (value & 31);
      singles &= singles - 1;
    }

    previousDigit = digit;
    previousTwo = two;
  }
  if (upperInToken && lowerInToken) flags |= MIXED_TOKEN;
  if (colons >= 6) {
    flags |= COLONS;
    if ((flags & HEX_COLONS) == 0 && hasHexColonChain(bytes, masks, words)) flags |= HEX_COLONS;
  }
  out[0] = digits;
  out[1] = digitRun;
  out[2] = digitGroup;
  out[3] = flags;
  out[4] = colons;
  out[5] = hitCount;
}

// Shape flags worked out after the main pass, as text-scan.ts numbers them.
#define HEX_ID 64
#define UUID_START 128
#define SSN_GROUPS 256
#define NATIONAL_PHONE 512
#define NATIONAL_ID 1024
#define TOKEN_BODY 8192

static inline int isDigitByte(u8 byte) {
  return (u8)(byte - '0') < 10;
}

/** Word characters as the keep rules' `\w` reads them: ASCII letters, digits and `_`. */
static inline int isWordByte(u8 byte) {
  return isDigitByte(byte) || (u8)((byte | 0x20) - 'a') < 26 || byte == '_';
}

/** Splits the groups of an SSN: space, `-`, `.`. */
static inline int isSsnSeparator(u8 byte) {
  return byte == ' ' || byte == '-' || byte == '.';
}

static inline int isCapital(u8 byte) {
  return (u8)(byte - 'A') < 26;
}

/** A run of digits at `start` that is not after a word character, `.` or `-` (as `(?<![\w.-])` asks). */
static inline int standsAlone(const u8 *bytes, u32 start) {
  if (start == 0) return 1;
  const u8 before = bytes[start - 1];
  return !isWordByte(before) && before != '-' && before != '.';
}

/**
 * The shapes of the runs of digits of the string last scanned (read from the digit masks `scan` left): SSN groups
 * (3, 2 and 4 split by single spaces, dashes or dots; 3-6; 5-4; standing alone) and national phone groups (3, 3
 * and 4 split by dashes or dots; `(ddd)`; a trunk 0 of two to five digits standing alone, a dash and a digit; a
 * trunk 0 of two to four digits standing alone and not inside a group, a space and a digit) and national id groups (6 to 8 digits before a
 * capital, or `-` and a capital; 3 between capitals; 4 4 4 split by spaces, not inside a longer group; 3.3.3; 2.2.2-d; 6, `-` or `+`, then 3, 4
 * or 7; 3 3 2 split by spaces). Runs split by exactly one byte follow each other (the earlier one ended one byte
 * before the next starts).
 * Worked out only when a rule needing them is asked about; the bytes after the string are 0 (`scan` zeroed them).
 */
u32 runShapes(const u64 *masks, const u8 *bytes, u32 n) {
  const u32 words = (n + 63) / 64;
  u32 flags = 0;
  // The two runs before the current one, as start and end (one past the last digit); none yet: ends that never
  // touch a start.
  u32 olderStart = 0, olderEnd = 0, earlierStart = 0, earlierEnd = 0;
  int haveOlder = 0, haveEarlier = 0;
  u64 previousDigit = 0;
  for (u32 word = 0; word < words; word++) {
    const u64 digit = masks[(u64)word * MASKS + M_DIGIT];
    const u64 nextDigit = masks[(u64)(word + 1) * MASKS + M_DIGIT];
    u64 first = digit & ~((digit << 1) | (previousDigit >> 63));
    previousDigit = digit;
    while (first) {
      const u32 start = word * 64 + (u32)__builtin_ctzll(first);
      first &= first - 1;
      // The run's end: the first byte from its start that is not a digit (the masks of this word and the next).
      u32 end = start;
      {
        u32 at = start;
        for (;;) {
          const u32 w = at / 64;
          const u64 bits = w == word ? digit : w == word + 1 ? nextDigit : masks[(u64)w * MASKS + M_DIGIT];
          const u64 rest = ~bits >> (at % 64);
          if (rest != 0) {
            end = at + (u32)__builtin_ctzll(rest);
            break;
          }
          at = (w + 1) * 64;
        }
      }
      const u32 run = end - start;
      const u8 before = start > 0 ? bytes[start - 1] : 0;
      const int afterOne = haveEarlier && earlierEnd + 1 == start;
      const int afterTwo = afterOne && haveOlder && olderEnd + 1 == earlierStart;
      const u32 earlier = afterOne ? earlierEnd - earlierStart : 0;
      const u32 older = afterTwo ? olderEnd - olderStart : 0;
      const u8 firstSeparator = afterTwo ? bytes[earlierStart - 1] : 0;
      if ((older == 3 && earlier == 2 && run == 4 && isSsnSeparator(firstSeparator) && isSsnSeparator(before) && standsAlone(bytes, olderStart)) ||
          (before == '-' && ((earlier == 3 && run == 6) || (earlier == 5 && run == 4)) && standsAlone(bytes, earlierStart))) {
        flags |= SSN_GROUPS;
      }
      if ((older == 3 && earlier == 3 && run == 4 && (firstSeparator == '-' || firstSeparator == '.') && (before == '-' || before == '.')) ||
          (run == 3 && before == '(' && bytes[end] == ')') ||
          (run >= 2 && run <= 5 && bytes[start] == '0' && bytes[end] == '-' && isDigitByte(bytes[end + 1]) && standsAlone(bytes, start)) ||
          (run >= 2 && run <= 4 && bytes[start] == '0' && bytes[end] == ' ' && isDigitByte(bytes[end + 1]) && standsAlone(bytes, start) &&
           !(start >= 2 && before == ' ' && isDigitByte(bytes[start - 2])))) {
        flags |= NATIONAL_PHONE;
      }
      const u8 after = bytes[end];
      const u8 spaceOrDot = before == ' ' || before == '.' ? before : 0;
      if ((run >= 6 && run <= 8 && (isCapital(after) || (after == '-' && isCapital(bytes[end + 1])))) ||
          (run == 3 && start > 0 && isCapital(before) && isCapital(after)) ||
          (afterTwo && spaceOrDot != 0 && firstSeparator == spaceOrDot &&
           ((older == 4 && earlier == 4 && run == 4 && spaceOrDot == ' ' && !(after == ' ' && isDigitByte(bytes[end + 1])) &&
             !(olderStart >= 2 && bytes[olderStart - 1] == ' ' && isDigitByte(bytes[olderStart - 2]))) ||
            (older == 3 && earlier == 3 && run == 3 && spaceOrDot == '.') ||
            (older == 2 && earlier == 2 && run == 2 && spaceOrDot == '.' && after == '-' && isDigitByte(bytes[end + 1])) ||
            (older == 3 && earlier == 3 && run == 2 && spaceOrDot == ' '))) ||
          (earlier == 6 && (before == '-' || before == '+') && (run == 3 || run == 4 || run == 7))) {
        flags |= NATIONAL_ID;
      }
      olderStart = earlierStart;
      olderEnd = earlierEnd;
      haveOlder = haveEarlier;
      earlierStart = start;
      earlierEnd = end;
      haveEarlier = 1;
    }
  }
  return flags;
}

/** Masks of one word of 64 bytes for the hex shapes: hex digits, hex letters, word characters or `-`, and `-`. */
typedef struct {
  u64 hex, letter, wordOrDash, dash;
} HexMasks;

/** The hex masks of word `word` (all 0 past the string's words; the bytes after the string are 0, `scan` set them). */
static inline HexMasks hexMasksOf(const u8 *bytes, u32 word, u32 words) {
  HexMasks masks = {0, 0, 0, 0};
  if (word >= words) return masks;
  for (u32 part = 0; part < 4; part++) {
    const v128_t chunk = wasm_v128_load(bytes + word * 64 + part * 16);
    const v128_t digit = wasm_u8x16_lt(wasm_i8x16_sub(chunk, wasm_i8x16_splat('0')), wasm_i8x16_splat(10));
    const v128_t folded = wasm_i8x16_sub(wasm_v128_or(chunk, wasm_i8x16_splat(0x20)), wasm_i8x16_splat('a'));
    const v128_t hexLetter = wasm_u8x16_lt(folded, wasm_i8x16_splat(6));
    const v128_t letter = wasm_u8x16_lt(folded, wasm_i8x16_splat(26));
    const v128_t dash = wasm_i8x16_eq(chunk, wasm_i8x16_splat('-'));
    const v128_t underscore = wasm_i8x16_eq(chunk, wasm_i8x16_splat('_'));
    const u32 shift = part * 16;
    masks.hex |= (u64)wasm_i8x16_bitmask(wasm_v128_or(digit, hexLetter)) << shift;
    masks.letter |= (u64)wasm_i8x16_bitmask(hexLetter) << shift;
    masks.wordOrDash |= (u64)wasm_i8x16_bitmask(wasm_v128_or(wasm_v128_or(digit, letter), wasm_v128_or(dash, underscore))) << shift;
    masks.dash |= (u64)wasm_i8x16_bitmask(dash) << shift;
  }
  return masks;
}

/** Bits `k` (0 to 63) on in the 128 bits `high:low`, as the low word. */
static inline u64 bitsFrom(u64 low, u64 high, u32 k) {
  return k == 0 ? low : shiftDown(low, high, k);
}

/**
 * Runs of hex digits of the string last scanned: ids of 7 to 64 with a letter, and UUID starts (exactly 8 then
 * `-`), each standing alone as the keep rules' regexes ask (not after a word character or `-`; an id not before
 * one either). Bit masks per 64 bytes, so only runs of 7 or more hex digits are looked at one by one.
 */
u32 hexShapes(const u8 *bytes, u32 n) {
  const u32 words = (n + 63) / 64;
  u32 flags = 0;
  u64 previousHex = 0, previousWordOrDash = 0;
  HexMasks at = hexMasksOf(bytes, 0, words);
  for (u32 word = 0; word < words && flags != (HEX_ID | UUID_START); word++) {
    const HexMasks next = hexMasksOf(bytes, word + 1, words);
    const u64 hex = at.hex;
    const u64 starts = hex & ~((hex << 1) | (previousHex >> 63));
    const u64 alone = ~((at.wordOrDash << 1) | (previousWordOrDash >> 63));
    // Bit i: bytes i to i + 6 are all hex digits (reading on into the next word).
    u64 seven = hex;
    for (u32 k = 1; k < 7; k++) seven &= shiftDown(hex, next.hex, k);
    const u64 candidates = starts & alone & seven;
    if (candidates & shiftDown(hex, next.hex, 7) & shiftDown(at.dash, next.dash, 8)) flags |= UUID_START;
    for (u64 rest = candidates; rest != 0; rest &= rest - 1) {
      const u32 start = (u32)__builtin_ctzll(rest);
      const u64 run = bitsFrom(hex, next.hex, start);
      // Longer than 64 (the next word holds bit start + 64 at bit start): not an id.
      if (run == ~0ULL && ((next.hex >> start) & 1)) continue;
      const u32 length = run == ~0ULL ? 64 : (u32)__builtin_ctzll(~run);
      const u64 inRun = length == 64 ? ~0ULL : (1ULL << length) - 1;
      const u32 end = start + length;
      const u64 after = end < 64 ? (at.wordOrDash >> end) & 1 : (next.wordOrDash >> (end - 64)) & 1;
      if ((bitsFrom(at.letter, next.letter, start) & inRun) != 0 && after == 0) flags |= HEX_ID;
    }
    previousHex = hex;
    previousWordOrDash = at.wordOrDash;
    at = next;
  }
  return flags;
}

static inline int isAlphanumericByte(u8 byte) {
  return isDigitByte(byte) || (u8)((byte | 0x20) - 'a') < 26;
}

/**
 * A run of 13 or more letters and digits right after one of `+ - . / _ ~` holding a digit and a letter beyond `f`:
 * the random part of a prefixed token (`pnu_…`, `sm_pat_…`) has one; words, names in camel case (`/CartViewModel`),
 * versions, dates, UUIDs (12 at most between dashes) and ids in hex (`req_3f2a…`) have none. Asked only of
 * strings the main pass found a run of 13 with a digit in (MARKED_DIGIT_RUN): the runs after a mark, read byte by
 * byte for the letter.
 */
u32 tokenShapes(const u64 *masks, const u8 *bytes, u32 n) {
  const u32 words = (n + 63) / 64;
  u64 markCarry = 0;
  u32 resumeAt = 0; // a run read to its end already (one crossing into this word) is not read again
  for (u32 word = 0; word < words; word++) {
    const u64 *at = masks + (u64)word * MASKS;
    const u64 mark = at[M_TOKEN_MARK];
    u64 starts = (at[M_DIGIT] | at[M_UPPER] | at[M_LOWER]) & ((mark << 1) | markCarry);
    markCarry = mark >> 63;
    while (starts) {
      const u32 start = word * 64 + (u32)__builtin_ctzll(starts);
      starts &= starts - 1;
      if (start < resumeAt) continue;
      u32 end = start, digit = 0, beyondHex = 0;
      for (; end < n && isAlphanumericByte(bytes[end]); end++) {
        if (isDigitByte(bytes[end])) digit = 1;
        else if ((u8)((bytes[end] | 0x20) - 'g') < 20) beyondHex = 1;
      }
      if (end - start >= 13 && digit && beyondHex) return TOKEN_BODY;
      resumeAt = end;
    }
  }
  return 0;
}
