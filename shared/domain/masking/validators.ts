// Checks a regex alone cannot make: checksums (Luhn, IBAN mod 97), SSN number rules, address shapes, token entropy.
// Each takes the candidate span and answers false (not a match), true, or a corrected end offset.
import { getCountries, isValidPhoneNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { luhnValid } from './checksums';
import type { ValidatorName } from './rules-schema';

export type Validator = (text: string, start: number, end: number) => boolean | number;

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

function digitsOf(text: string, start: number, end: number): string {
  let digits = '';
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (isDigitCode(code)) digits += text[index];
  }
  return digits;
}

/**
 * Card numbers: 13 to 19 digits passing Luhn, issued under a real major industry identifier. Cards start with
 * 2 to 6, or 1 for 15-digit UATP cards; that keeps millisecond/microsecond epoch timestamps (which start with 1)
 * and zero-padded counters out.
 */
export function cardDigitsValid(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0) - 48;
  if (first === 1 ? digits.length !== 15 : first < 2 || first > 6) return false;
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhnValid(digits);
}

function luhn(text: string, start: number, end: number): boolean {
  return cardDigitsValid(digitsOf(text, start, end));
}

/**
 * After a card word: any card number, and 12-digit Maestro numbers too (issuer 50 or 56 to 69, Luhn), which are
 * too short to tell from other numbers without that word.
 */
function cardInContext(text: string, start: number, end: number): boolean {
  const digits = digitsOf(text, start, end);
  if (digits.length === 12) {
    const issuer = Number(digits.slice(0, 2));
    return (issuer === 50 || (issuer >= 56 && issuer <= 69)) && !/^(\d)\1+$/.test(digits) && luhnValid(digits);
  }
  return cardDigitsValid(digits);
}

/** SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000. */
export function ssnDigitsValid(digits: string): boolean {
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  return !/^(\d)\1+$/.test(digits);
}

function ssn(text: string, start: number, end: number): boolean {
  return ssnDigitsValid(digitsOf(text, start, end));
}

/**
 * The famous specimen numbers: written as an SSN (`123-45-6789`, `078-05-1120`) they are masked, since that is what
 * people type to try a masker; bare (`123456789`) they are more often a counting sequence or a test id.
 */
const specimenSsns = new Set(['123456789', '078051120', '219099999', '457555462']);

function ssnBare(text: string, start: number, end: number): boolean {
  const digits = digitsOf(text, start, end);
  return ssnDigitsValid(digits) && !specimenSsns.has(digits);
}

/** IBAN lengths per country (SWIFT registry). */
const ibanLengths: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

function isAlphanumericCode(code: number): boolean {
  return isDigitCode(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

export function ibanChecksumValid(compact: string): boolean {
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let index = 0; index < rearranged.length; index++) {
    const code = rearranged.charCodeAt(index);
    if (isDigitCode(code)) remainder = (remainder * 10 + (code - 48)) % 97;
    else {
      const value = (code >= 97 ? code - 32 : code) - 55;
      remainder = (remainder * 100 + value) % 97;
    }
  }
  return remainder === 1;
}

/** Trims the candidate to its country's length (so trailing words stay), then checks mod 97. */
function ibanMod97(text: string, start: number, end: number): boolean | number {
  const length = ibanLengths[text.slice(start, start + 2)];
  if (!length) return false;
  let compact = '';
  let index = start;
  for (; index < end && compact.length < length; index++) {
    const code = text.charCodeAt(index);
    if (isAlphanumericCode(code)) compact += text[index];
  }
  if (compact.length !== length) return false;
  if (index < text.length && isAlphanumericCode(text.charCodeAt(index))) return false;
  return ibanChecksumValid(compact) ? index : false;
}

/** Countries whose BBAN is digits only, among those whose code is two hex letters: a hex id (`be89-48be…`) is not theirs. */
const NUMERIC_BBAN_HEX_COUNTRIES = new Set(['AE', 'BA', 'BE', 'DE', 'EE']);

/** mod 97 of a remainder followed by one IBAN character (a digit, or a letter as two digits). */
function mod97Step(remainder: number, code: number): number {
  if (isDigitCode(code)) return (remainder * 10 + (code - 48)) % 97;
  return (remainder * 100 + ((code >= 97 ? code - 32 : code) - 55)) % 97;
}

/**
 * IBANs as people type them: any case, a blank after the country code, uneven or doubled blanks. Reads letters and
 * digits up to the country's length (so trailing words stay), then checks mod 97, in one walk without copies: most
 * candidates are hex ids and fail early.
 */
function ibanLoose(text: string, start: number, end: number): boolean | number {
  const length = ibanLengths[text.slice(start, start + 2).toUpperCase()];
  if (!length) return false;
  const lettersForbidden = NUMERIC_BBAN_HEX_COUNTRIES.has(text.slice(start, start + 2).toUpperCase());
  let count = 0;
  let remainder = 0;
  let upper = false;
  let lower = false;
  let index = start;
  for (; index < end && count < length; index++) {
    const code = text.charCodeAt(index);
    if (!isAlphanumericCode(code)) continue;
    count++;
    // The country code and check digits go last (mod 97 reads them after the BBAN).
    if (count <= 4) continue;
    if (!isDigitCode(code)) {
      if (lettersForbidden) return false;
      if (code >= 97) lower = true;
      else upper = true;
    }
    remainder = mod97Step(remainder, code);
  }
  if (count !== length) return false;
  if (index < text.length && isAlphanumericCode(text.charCodeAt(index))) return false;
  // The BBAN of every country is upper case or digits: mixed case inside it is a word, not an account.
  if (upper && lower) return false;
  for (let taken = 0, at = start; taken < 4; at++) {
    const code = text.charCodeAt(at);
    if (!isAlphanumericCode(code)) continue;
    remainder = mod97Step(remainder, code);
    taken++;
  }
  return remainder === 1 ? index : false;
}

function ipv4(): boolean {
  return true;
}

/** The regex allows a `::` with up to 7 groups each side; a real address has at most 8 in all, and `::` alone needs a prefix. */
function ipv6(text: string, start: number, end: number): boolean {
  let address = text.slice(start, end);
  const slash = address.indexOf('/');
  const hasPrefix = slash >= 0;
  if (hasPrefix) address = address.slice(0, slash);
  const zone = address.indexOf('%');
  if (zone >= 0) address = address.slice(0, zone);
  if (address === '::') return hasPrefix;
  const groupsOf = (part: string): number => (part === '' ? 0 : part.split(':').reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0));
  const compressed = address.indexOf('::');
  if (compressed < 0) return groupsOf(address) === 8;
  if (address.indexOf('::', compressed + 1) >= 0) return false;
  return groupsOf(address.slice(0, compressed)) + groupsOf(address.slice(compressed + 2)) <= 7;
}

/** A trunk 0 and groups split by single spaces, as mobile numbers are written (`0532 123 45 67`, `06 12 34 56 78`). */
const SPACED_TRUNK_NUMBER = /^0\d{1,3}(?: \d+)+$/;

/**
 * Phone numbers have 8 to 15 digits with a `+` country code (E.164), 9 to 13 without; a national number in three
 * dashed groups after a trunk 0 (090-1234-5678) has 10 or 11, which keeps 3-2-4 SSN look-alikes out. A trunk 0 with
 * space groups and no phone word must be a mobile number of some country, with 10 to 12 digits: fixed lines in
 * such groups look like too many other numbers, and are masked after a phone word only.
 */
function phone(text: string, start: number, end: number): boolean {
  const digits = digitsOf(text, start, end);
  if (/^(\d)\1+$/.test(digits)) return false;
  if (text.charCodeAt(start) === 43) return digits.length >= 8 && digits.length <= 15;
  if (digits.length < 9 || digits.length > 13) return false;
  const candidate = text.slice(start, end);
  if (candidate.startsWith('0') && candidate.split('-').length === 3) return digits.length >= 10 && digits.length <= 11;
  if (SPACED_TRUNK_NUMBER.test(candidate)) return digits.length >= 10 && digits.length <= 12 && mobileSomewhere(candidate);
  return true;
}

const mobileVerdicts = new Map<string, boolean>();

/** A mobile number of some country as written there (libphonenumber-js, full metadata); remembered like phoneValidSomewhere. */
function mobileSomewhere(candidate: string): boolean {
  let verdict = mobileVerdicts.get(candidate);
  if (verdict !== undefined) return verdict;
  verdict = PHONE_COUNTRIES.some((country) => {
    const number = parsePhoneNumberFromString(candidate, country);
    return number !== undefined && number.isValid() && number.getType() === 'MOBILE';
  });
  if (mobileVerdicts.size >= PHONE_CACHE_LIMIT) mobileVerdicts.clear();
  mobileVerdicts.set(candidate, verdict);
  return verdict;
}

/** Countries tried first (the most numbers are written there); then all the others libphonenumber-js knows. */
const LIKELY_COUNTRIES: CountryCode[] = [
  'US',
  'GB',
  'DE',
  'FR',
  'ES',
  'IT',
  'NL',
  'BE',
  'CH',
  'AT',
  'AU',
  'IN',
  'BR',
  'MX',
  'CA',
  'SE',
  'NO',
  'DK',
  'FI',
  'PL',
  'PT',
  'IE',
  'JP',
  'KR',
  'CN',
  'RU',
  'TR',
  'ZA',
  'NG',
  'AR',
  'ID',
];
const PHONE_COUNTRIES: CountryCode[] = [...LIKELY_COUNTRIES, ...getCountries().filter((country) => !LIKELY_COUNTRIES.includes(country))];
const PHONE_CACHE_LIMIT = 4096;
const phoneVerdicts = new Map<string, boolean>();

/** Valid as a national number of some country, or as an international one without its `+` (libphonenumber-js, full metadata). */
export function phoneValidSomewhere(candidate: string): boolean {
  let verdict = phoneVerdicts.get(candidate);
  if (verdict !== undefined) return verdict;
  verdict = false;
  for (const country of PHONE_COUNTRIES) {
    if (isValidPhoneNumber(candidate, country)) {
      verdict = true;
      break;
    }
  }
  if (phoneVerdicts.size >= PHONE_CACHE_LIMIT) phoneVerdicts.clear();
  phoneVerdicts.set(candidate, verdict);
  return verdict;
}

/** Day-month-year or year-month-day with one separator kind: a date, whatever a phone plan says. */
const DATE_SHAPE = /^(?:(\d{4})([-./ ])(\d{1,2})\2(\d{1,2})|(\d{1,2})([-./ ])(\d{1,2})\6(\d{2}|\d{4}))$/;

function looksLikeDate(candidate: string): boolean {
  const match = DATE_SHAPE.exec(candidate);
  if (!match) return false;
  const [first, second] = match[1] ? [Number(match[3]), Number(match[4])] : [Number(match[5]), Number(match[7])];
  return first >= 1 && second >= 1 && first <= 31 && second <= 31 && (first <= 12 || second <= 12);
}

/** `78272.08`, `1 234,50`: a decimal mark before the last group, unlike the separators before it (`04.12.38.90.57` is a phone). */
function looksLikeAmount(candidate: string): boolean {
  const separators = candidate.match(/[^\d]+/g) ?? [];
  const last = separators[separators.length - 1];
  if (last !== '.' && last !== ',') return false;
  return separators.length === 1 || separators.slice(0, -1).some((separator) => separator !== last);
}

/**
 * A national phone number after a phone word: 6 to 15 digits, not a date, not the tail of an international
 * number (the `phone` rule reads those), valid for some country.
 */
function phoneAnywhere(text: string, start: number, end: number): boolean {
  const digits = digitsOf(text, start, end);
  if (digits.length < 6 || digits.length > 15 || /^(\d)\1+$/.test(digits)) return false;
  let before = start - 1;
  while (before >= 0 && /[\d ().-]/.test(text[before]!)) before--;
  if (before >= 0 && text[before] === '+') return false;
  const candidate = text.slice(start, end);
  if (looksLikeDate(candidate) || looksLikeAmount(candidate)) return false;
  return phoneValidSomewhere(candidate);
}

/** Bits of information per character, over the characters of the value itself. */
export function shannonEntropy(value: string): number {
  const counts = new Map<number, number>();
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let entropy = 0;
  for (const count of counts.values()) {
    const share = count / value.length;
    entropy -= share * Math.log2(share);
  }
  return entropy;
}

/** Base64 of the images and documents people attach: kept, they are content, not keys. */
const MEDIA_BASE64 = /^(?:iVBORw0KGgo|\/9j\/|R0lGOD|UklGR|PHN2Zy|JVBERi|AAAA[A-Za-z0-9+/]{2}ZnR5c)/;
/** Counts per ASCII character for `looksHighEntropy` (tokens are ASCII; one table, reset after each use). */
const characterCounts = new Uint16Array(128);

/** `shannonEntropy` of the first `length` characters of an ASCII token, without a map: one table, reset as it is read. */
function asciiEntropy(value: string, length: number): number {
  let entropy = 0;
  for (let index = 0; index < length; index++) characterCounts[value.charCodeAt(index) & 127]!++;
  for (let index = 0; index < length; index++) {
    const slot = value.charCodeAt(index) & 127;
    const count = characterCounts[slot]!;
    if (count === 0) continue;
    const share = count / length;
    entropy -= share * Math.log2(share);
    characterCounts[slot] = 0;
  }
  return entropy;
}

/**
 * A random-looking token in a value position, whatever its name: 20 to 200 characters mixing upper and lower case,
 * lower case in short runs (not words), with at least 4.0 bits of entropy per character (3.7 under 28 characters,
 * where fewer distinct characters fit; 3.9 without digits). Hex (hashes, trace ids, UUIDs), numbers, versions,
 * URLs, paths, dotted names and base64 media stay.
 */
export function looksHighEntropy(value: string): boolean {
  let length = value.length;
  while (length > 0 && value.charCodeAt(length - 1) === 61 /* = */) length--;
  if (length < 20 || length > 200) return false;
  let upper = 0;
  let lower = 0;
  let digits = 0;
  let hexOnly = true;
  let lowerRuns = 0;
  let vowels = 0;
  let slashes = 0;
  let dots = 0;
  let previousLower = false;
  for (let index = 0; index < length; index++) {
    const code = value.charCodeAt(index);
    const isLower = code >= 97 && code <= 122;
    if (isDigitCode(code)) digits++;
    else if (code >= 65 && code <= 90) {
      upper++;
      if (code > 70) hexOnly = false;
    } else if (isLower) {
      lower++;
      if (code > 102) hexOnly = false;
      if (!previousLower) lowerRuns++;
      if (code === 97 || code === 101 || code === 105 || code === 111 || code === 117) vowels++;
    } else if (code !== 45) {
      hexOnly = false;
      if (code === 47) slashes++;
      else if (code === 46) dots++;
    }
    previousLower = isLower;
  }
  // Hex (hashes, trace ids, UUIDs), numbers and versions; then too little mixing of case.
  if (hexOnly || upper < 2 || lower < 2) return false;
  const token = length === value.length ? value : value.slice(0, length);
  if (token.startsWith('//') || MEDIA_BASE64.test(token) || looksSequential(token)) return false;
  // Ids after a lower-case prefix (`usr_01HGW2N7ZB…`, a ULID; `org_2B8K…`): the body alone is of one case.
  const prefix = /^[a-z]{1,12}[_-]/.exec(token);
  if (prefix && !/[a-z]/.test(token.slice(prefix[0].length))) return false;
  // URLs and paths: dots with slashes (hosts, files), or slash-separated segments each of one case (/api/v2/orders).
  if (slashes !== 0 && (dots !== 0 || token.split('/').every((segment) => /^(?:[a-z0-9_-]*|[A-Z0-9_-]*)$/.test(segment)))) return false;
  // Dotted names without digits (com.example.app.MainActivity).
  if (dots !== 0 && digits === 0 && /^[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z][A-Za-z0-9]*)+$/.test(token)) return false;
  // Words (camel-case names such as UITableViewCellAccessoryDisclosureIndicator): long runs of lower case with
  // vowels. In random base62 a run of lower case averages under 2 letters, and 5 letters in 26 are vowels.
  if (lower / lowerRuns >= 3 && vowels / lower >= 0.3) return false;
  const entropy = asciiEntropy(value, length);
  if (digits === 0) return entropy >= 3.9;
  return entropy >= (length < 28 ? 3.7 : 4.0);
}

function highEntropy(text: string, start: number, end: number): boolean {
  return looksHighEntropy(text.slice(start, end));
}

/**
 * Runs of consecutive characters (`abcd`, `ABCDEFG…`, `0123…`): an alphabet or a test pattern typed out, not
 * something drawn at random, where one pair in about 60 follows its neighbour so. True when half of the pairs
 * do (a made-up key with one `45678` in it is still masked).
 */
export function looksSequential(value: string): boolean {
  let consecutive = 0;
  for (let index = 1; index < value.length; index++) if (value.charCodeAt(index) === value.charCodeAt(index - 1) + 1) consecutive++;
  return consecutive * 2 >= value.length - 1;
}

/**
 * Two consonants next to each other as words have them (`st`, `nd`, `ch`, `pl`, a letter doubled…), `y` counted as a
 * vowel; drawn letters put any two together (`fc`, `cd`, `zm`, `hl`), and about half their pairs are of no such kind.
 */
const WORD_CONSONANT_PAIRS: ReadonlySet<string> = new Set(
  (
    'bj bl br bs ch ck cl cm cq cr ct db dg dj dl dm dn dr ds dv dw fl fr ft gh gl gn gr gs gt hm hn hr ht js kn ks ' +
    'lb lc ld lf lg lk lm ln lp ls lt lv mb md ml mn mp ms nc nd nf ng nh nj nk nl nm ns nt nv nz pd ph pl pr ps ' +
    'pt pw ql rb rc rd rf rg rh rk rl rm rn rp rs rt rv rw sc sh sk sl sm sn sp sq st sw tc th tl tm tr ts tw wd ' +
    'wh wl wn wr ws xc xp xt'
  ).split(' '),
);

const isVowelOrY = (lower: number): boolean => lower === 97 || lower === 101 || lower === 105 || lower === 111 || lower === 117 || lower === 121;

/**
 * Words rather than random letters: long runs of one case, rich in vowels (`requestedDisplayCharacteristicTypes`,
 * `settings_controller`, `FEATURE_FLAG`), and consonants paired as words pair them. Random base62 has runs of one
 * case under 2 letters on average and about 5 vowels in 26 letters; words have runs of 3 or more and a third of
 * their letters vowels. In one case the runs say nothing, and drawn letters are sometimes a third vowels
 * (`lfcdouoovayoxyzmobhl`): their consonant pairs still give them away, an eighth or more being of no word's kind.
 */
function looksLikeWords(value: string): boolean {
  let letters = 0;
  let vowels = 0;
  let runs = 0;
  let previousCase = 0;
  let pairs = 0;
  let strangePairs = 0;
  let previousLower = 0;
  let cases = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    const letterCase = code >= 97 && code <= 122 ? 1 : code >= 65 && code <= 90 ? 2 : 0;
    if (letterCase !== 0) {
      letters++;
      cases |= letterCase;
      if (letterCase !== previousCase) runs++;
      const lower = code | 32;
      if (lower === 97 || lower === 101 || lower === 105 || lower === 111 || lower === 117) vowels++;
      if (previousLower !== 0) {
        pairs++;
        if (
          !isVowelOrY(previousLower) &&
          !isVowelOrY(lower) &&
          previousLower !== lower &&
          !WORD_CONSONANT_PAIRS.has(String.fromCharCode(previousLower, lower))
        ) {
          strangePairs++;
        }
      }
      previousLower = lower;
    } else previousLower = 0;
    previousCase = letterCase;
  }
  if (letters === 0 || letters / runs < 3 || vowels / letters < 0.3) return false;
  // Mixed case tells words by its runs; in one case only the pairs are left to tell (an eighth of no word's kind).
  return cases === 3 || strangePairs * 8 < pairs;
}

/**
 * A known vendor's prefix was found: its body must still look drawn at random. Letters alone that read as words
 * (`hf_requestedDisplayCharacteristicTypes…`) are a method name; an alphabet typed out is a constant.
 */
function vendorToken(text: string, start: number, end: number): boolean {
  const token = text.slice(start, end);
  // Only letters-only bodies (`hf_`) can be words: the rest of the prefixes take digits or hex.
  return /\d/.test(token) || (!looksSequential(token) && !looksLikeWords(token));
}

/** Words in a prefix that say the token is a credential (`sm_pat_`, `xkeysib-`), not an object id. */
const SECRET_PREFIX_WORD = /^(?:pat|live|sk|tkn|pw)$|key|secret|token|seck/i;

/** Bits per character a random body of this many letters and digits has at the least, with margin. */
function entropyFloor(length: number): number {
  return length < 20 ? 3.0 : length < 32 ? 3.3 : 3.7;
}

/**
 * Letters and digits taking turns, as in drawn text (`k3j9x0q2`: about one change in three or four characters),
 * not as in names (`v2`, `utf8`, `order_12345678`): then its vowels say nothing, a random run of them is no word.
 */
function alternatesDigits(value: string): boolean {
  let changes = 0;
  for (let index = 1; index < value.length; index++) if (isDigitCode(value.charCodeAt(index)) !== isDigitCode(value.charCodeAt(index - 1))) changes++;
  return changes * 6 >= value.length;
}

/**
 * A stretch of letters and digits between separators shorter than this is a name's parts, not a token (UUIDs
 * have 12 at most; the `tokenBody` pre-check asks for as many).
 */
const LONGEST_SEGMENT = 13;

/**
 * The body of a prefixed token drawn at random. Its parts between separators (`_ - . ~`) that are words (letters
 * of one case, or capitalised: `service`, `API`, `Release`) are left out; what is left must hold `minimum` to 250
 * letters and digits, one part of 13 or more with a digit and a letter beyond `f` (so a pod name's
 * `7d9f8b6c5d-x2k9p`, dates, versions and hex ids stay: hex is an id or a hash here), mix letters with digits or
 * both cases, be no date or counter (letters at least a third), no words, no typed-out run, and have the entropy
 * per character random text of its length has.
 */
export function looksRandomBody(body: string, minimum: number): boolean {
  let length = body.length;
  while (length > 0 && body.charCodeAt(length - 1) === 61 /* = */) length--;
  // A file name (`…-OTA-97B6C6C5.bfu`, `app.7Hk2Lm.chunk.js`): its last part is a short extension.
  if (/\.[a-z]{1,4}\d?$/.test(body.slice(0, length))) return false;
  // One read, part by part (a regex per part cost more than the rest of the check).
  let random = '';
  let randomPart = false;
  let upper = 0;
  let lower = 0;
  let digits = 0;
  let partStart = 0;
  let partUpper = 0;
  let partLower = 0;
  let partDigits = 0;
  let partHex = true;
  for (let index = 0; index <= length; index++) {
    const code = index < length ? body.charCodeAt(index) : 45;
    if (isDigitCode(code)) partDigits++;
    else if (code >= 65 && code <= 90) {
      partUpper++;
      if (code > 70) partHex = false;
    } else if (code >= 97 && code <= 122) {
      partLower++;
      if (code > 102) partHex = false;
    } else if (isTokenSeparator(code)) {
      const capitalised = partUpper === 1 && partLower !== 0 && body.charCodeAt(partStart) <= 90;
      if (partDigits !== 0 || (partUpper !== 0 && partLower !== 0 && !capitalised)) {
        random += body.slice(partStart, index);
        upper += partUpper;
        lower += partLower;
        digits += partDigits;
        if (partDigits !== 0 && !partHex && index - partStart >= LONGEST_SEGMENT) randomPart = true;
      }
      partStart = index + 1;
      partUpper = partLower = partDigits = 0;
      partHex = true;
    } else return false;
  }
  if (!randomPart || random.length < minimum || random.length > 250) return false;
  if (digits === 0 && (upper === 0 || lower === 0)) return false;
  if ((upper + lower) * 3 < random.length) return false;
  if (looksSequential(random) || (!alternatesDigits(random) && looksLikeWords(random))) return false;
  return asciiEntropy(random, random.length) >= entropyFloor(random.length);
}

/** `_ - . ~`: what parts a prefixed token. */
function isTokenSeparator(code: number): boolean {
  return code === 95 || code === 45 || code === 46 || code === 126;
}

/** One part of a prefix, `token[from, to)`: 2 to 15 letters and digits from a letter, of one case (`pnu`, `NRJS`, `dt0c01`). */
function isPrefixPart(token: string, from: number, to: number): boolean {
  if (to - from < 2 || to - from > 15) return false;
  let upper = false;
  let lower = false;
  for (let index = from; index < to; index++) {
    const code = token.charCodeAt(index);
    if (code >= 65 && code <= 90) upper = true;
    else if (code >= 97 && code <= 122) lower = true;
    else if (index === from || !isDigitCode(code)) return false;
  }
  return !(upper && lower);
}

/** A body after a one-part prefix this long or longer is a token; shorter ones are object ids (`cus_`, `ch_`…). */
const ID_BODY_LIMIT = 30;
/** After a two-part prefix (`sm_pat_`) or a secret word in the prefix (`xkeysib-`), a shorter body already is. */
const SECRET_BODY_MINIMUM = 15;

/**
 * `<prefix><separator><random body>` of any vendor: the prefix one or two parts of one case (`pnu_`, `sm_pat_`,
 * `FLWSECK_TEST-`), the body random as `looksRandomBody` reads it. Object ids with a prefix (`cus_` and 14, `ch_`
 * and 24, ULIDs and KSUIDs after `usr_`) stay: after a plain one-part prefix the body needs 30 letters and digits.
 */
function prefixedToken(text: string, start: number, end: number): boolean | number {
  // A sentence's full stop (or a trailing `-`) is not part of the token.
  let trimmed = end;
  while (trimmed > start && isTokenSeparator(text.charCodeAt(trimmed - 1))) trimmed--;
  const token = text.slice(start, trimmed);
  let first = 0;
  while (first < token.length && !isTokenSeparator(token.charCodeAt(first))) first++;
  if (first === token.length || !isPrefixPart(token, 0, first)) return false;
  // A second part of the prefix: letters and digits up to `_` or `-` (`sm_pat_`, `shippo_live_`).
  let second = first + 1;
  while (second < token.length && second - first <= 11 && !isTokenSeparator(token.charCodeAt(second))) second++;
  const twoParts = second < token.length && token.charCodeAt(second) !== 46 && token.charCodeAt(second) !== 126 && isPrefixPart(token, first + 1, second);
  if (twoParts && looksRandomBody(token.slice(second + 1), SECRET_BODY_MINIMUM)) return trimmed;
  const prefixSecret = SECRET_PREFIX_WORD.test(token.slice(0, first));
  return looksRandomBody(token.slice(first + 1), prefixSecret ? SECRET_BODY_MINIMUM : ID_BODY_LIMIT) && trimmed;
}

/** A token, not a word: it mixes letters with digits, or upper with lower case over some length. */
export function looksLikeToken(value: string): boolean {
  let hasDigit = false;
  let hasLetter = false;
  let hasUpper = false;
  let hasLower = false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (isDigitCode(code)) hasDigit = true;
    else if (code >= 65 && code <= 90) hasLetter = hasUpper = true;
    else if (code >= 97 && code <= 122) hasLetter = hasLower = true;
  }
  return (hasDigit && hasLetter) || (value.length >= 16 && hasUpper && hasLower);
}

function tokenEntropy(text: string, start: number, end: number): boolean {
  return looksLikeToken(text.slice(start, end));
}

/** `Basic` credentials decode to printable `user:password`. */
function basicAuth(text: string, start: number, end: number): boolean {
  const decoded = Buffer.from(text.slice(start, end), 'base64').toString('utf8');
  // A control character or a replacement character means the bytes were not text: not a user:password pair.
  // eslint-disable-next-line no-control-regex
  return decoded.includes(':') && !/[\u0000-\u001f\ufffd]/.test(decoded);
}

/** Base64 that decodes to a JWT (`eyJ…` header, payload, signature): a token wrapped once more (Kubernetes Secrets). */
function base64Jwt(text: string, start: number, end: number): boolean {
  const decoded = Buffer.from(text.slice(start, end), 'base64').toString('latin1');
  return /^eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/.test(decoded.trim());
}

export const validators: Record<ValidatorName, Validator> = {
  luhn,
  card_in_context: cardInContext,
  iban_mod97: ibanMod97,
  iban_loose: ibanLoose,
  ssn,
  ssn_bare: ssnBare,
  ipv4,
  ipv6,
  phone,
  phone_anywhere: phoneAnywhere,
  token_entropy: tokenEntropy,
  high_entropy: highEntropy,
  basic_auth: basicAuth,
  vendor_token: vendorToken,
  prefixed_token: prefixedToken,
  base64_jwt: base64Jwt,
};
