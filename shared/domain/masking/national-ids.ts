// National identity and tax numbers outside the US: one table of formats (how each is written, its check, the words
// that name it) read by one detector. A format whose written shape is distinctive and whose check is strong is masked
// on its own; the rest (all digits, a check that one number in ten or eleven passes) only right after a word naming it.
import { luhnValid } from './checksums';

/** One way a format is written: a regex source without capture groups, standing alone as the detector places it. */
interface WrittenShape {
  pattern: string;
  /**
   * Distinctive enough, with the check, to be masked without a word naming the number: `letters` (letters and digits
   * in one run, a capital next to a digit) or `groups` (digits in groups split by separators, 9 or more digits in
   * one group); read by the rules of those modes. Without it, only after a word naming the format (`named`).
   */
  alone?: Exclude<NationalIdMode, 'named'>;
}

/** How a rule reads the table: the distinctive `letters` or `groups` shapes alone, or the others after a `named` word. */
export const nationalIdModes = ['letters', 'groups', 'named'] as const;
export type NationalIdMode = (typeof nationalIdModes)[number];

export interface NationalIdFormat {
  /** Country and scheme, e.g. `es_dni_nie`. */
  name: string;
  shapes: readonly WrittenShape[];
  /** The number's letters and digits, separators dropped (upper case): whether its check passes. */
  valid: (compact: string) => boolean;
  /**
   * Words naming the number, in its languages and English (regex alternatives, case-blind): a number in a shape
   * that is not `alone` must follow one within a few non-digit characters (`NIF del cliente: `, `PESEL `, `"bsn":"`).
   * The `named` rule's literals must hold one literal inside each (a test checks).
   */
  words?: string;
  /** Short names that are also parts of words (`SIN`, `PAN`, `FIN`): they count only in capitals. */
  acronyms?: string;
}

const digitAt = (text: string, index: number): number => text.charCodeAt(index) - 48;

/** Sum of digit × weight over the first `weights.length` digits. */
function weightedSum(digits: string, weights: readonly number[], from = 0): number {
  let sum = 0;
  for (let index = 0; index < weights.length; index++) sum += digitAt(digits, from + index) * weights[index]!;
  return sum;
}

const allSame = (digits: string): boolean => /^(.)\1+$/.test(digits);

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A day of a month that has it (29 February in any year: the year is often two digits or absent). */
function plausibleDate(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH[month - 1]!;
}

/** Spain: DNI 8 digits and a letter, NIE X/Y/Z, 7 digits and a letter; the letter is the number mod 23. */
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
function spanishId(compact: string): boolean {
  const number = compact.replace(/^[XYZ]/, (letter) => String('XYZ'.indexOf(letter)));
  if (!/^\d{8}[A-Z]$/.test(number) || allSame(number.slice(0, 8))) return false;
  return DNI_LETTERS[Number(number.slice(0, 8)) % 23] === number[8];
}

/** Italy: codice fiscale, 15 characters and a check letter (odd positions through a table, even by value, mod 26). */
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
function codiceFiscale(compact: string): boolean {
  if (compact.length !== 16) return false;
  let sum = 0;
  for (let index = 0; index < 15; index++) {
    const code = compact.charCodeAt(index);
    const value = code <= 57 ? code - 48 : code - 65;
    sum += index % 2 === 0 ? CF_ODD[value]! : value;
  }
  const day = Number(compact.slice(9, 11));
  return String.fromCharCode(65 + (sum % 26)) === compact[15] && ((day >= 1 && day <= 31) || (day >= 41 && day <= 71));
}

/** UK: NHS number, 10 digits, weights 10 to 2, check 11 - sum mod 11 (10 never issued). */
function nhsNumber(digits: string): boolean {
  if (digits.length !== 10 || allSame(digits)) return false;
  const check = 11 - (weightedSum(digits, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  return check !== 10 && check % 11 === digitAt(digits, 9);
}

/** Poland: PESEL, YYMMDD (month + 20/40/60/80 by century), serial, check with weights 1 3 7 9. */
function pesel(digits: string): boolean {
  if (digits.length !== 11 || allSame(digits)) return false;
  if (!plausibleDate(Number(digits.slice(2, 4)) % 20, Number(digits.slice(4, 6)))) return false;
  return (10 - (weightedSum(digits, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10 === digitAt(digits, 10);
}

/** Singapore: NRIC (S, T) and FIN (F, G), 7 digits, a check letter from weights 2 7 6 5 4 3 2. */
function singaporeNric(compact: string): boolean {
  const prefix = compact[0]!;
  const offset = prefix === 'T' || prefix === 'G' ? 4 : 0;
  const remainder = (weightedSum(compact, [2, 7, 6, 5, 4, 3, 2], 1) + offset) % 11;
  const letters = prefix === 'S' || prefix === 'T' ? 'JZIHGFEDCBA' : 'XWUTRQPNMLK';
  return letters[remainder] === compact[8];
}

/** Verhoeff's dihedral-group check (India's Aadhaar): catches every single error and adjacent swap. */
const VERHOEFF_MULTIPLY = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_PERMUTE = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
export function verhoeffValid(digits: string): boolean {
  let check = 0;
  for (let index = 0; index < digits.length; index++) {
    check = VERHOEFF_MULTIPLY[check]![VERHOEFF_PERMUTE[index % 8]![digitAt(digits, digits.length - 1 - index)]!]!;
  }
  return check === 0;
}

/** India: Aadhaar, 12 digits not starting with 0 or 1, Verhoeff. */
function aadhaar(digits: string): boolean {
  return digits.length === 12 && digits[0]! >= '2' && !allSame(digits) && verhoeffValid(digits);
}

/** South Korea: resident registration number, YYMMDD, a sex and century digit, 5 more, check from weights 2-9, 2-5. */
function koreanRrn(digits: string): boolean {
  if (digits.length !== 13 || !plausibleDate(Number(digits.slice(2, 4)), Number(digits.slice(4, 6)))) return false;
  const sum = weightedSum(digits, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]);
  return (11 - (sum % 11)) % 10 === digitAt(digits, 12);
}

/** Brazil: CPF, 9 digits and two mod-11 check digits. */
function brazilCpf(digits: string): boolean {
  if (digits.length !== 11 || allSame(digits)) return false;
  const first = ((weightedSum(digits, [10, 9, 8, 7, 6, 5, 4, 3, 2]) * 10) % 11) % 10;
  const second = ((weightedSum(digits, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) * 10) % 11) % 10;
  return first === digitAt(digits, 9) && second === digitAt(digits, 10);
}

/** Netherlands: BSN, 9 digits passing the 11-proof (weights 9 to 2, the last digit -1). */
function dutchBsn(digits: string): boolean {
  if (digits.length !== 9 || allSame(digits)) return false;
  const sum = weightedSum(digits, [9, 8, 7, 6, 5, 4, 3, 2]) - digitAt(digits, 8);
  return sum % 11 === 0 && sum !== 0;
}

/** France: NIR (sécurité sociale), sex, YY, MM, department (2A/2B for Corsica), commune, order, then 97 - n mod 97. */
function frenchNir(compact: string): boolean {
  if (compact.length !== 15) return false;
  const month = Number(compact.slice(3, 5));
  if (!((month >= 1 && month <= 12) || month >= 20)) return false;
  const body = compact.slice(0, 13).replace('2A', '19').replace('2B', '18');
  if (!/^\d{13}$/.test(body)) return false;
  return 97 - Number(BigInt(body) % 97n) === Number(compact.slice(13));
}

/** Canada: SIN, 9 digits, Luhn; 0 and 8 are never issued first. */
function canadianSin(digits: string): boolean {
  return digits.length === 9 && digits[0] !== '0' && digits[0] !== '8' && !allSame(digits) && luhnValid(digits);
}

/** Australia: TFN, 8 or 9 digits, weighted sum divisible by 11. */
function australianTfn(digits: string): boolean {
  if (allSame(digits)) return false;
  if (digits.length === 9) return weightedSum(digits, [1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 === 0;
  return digits.length === 8 && weightedSum(digits, [10, 7, 8, 4, 6, 3, 5, 1]) % 11 === 0;
}

/** India: PAN, five letters (the fourth says who holds it), four digits, a letter; there is no check, so a word must name it. */
function indianPan(compact: string): boolean {
  return /^[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]$/.test(compact);
}

/** Germany: Steuer-ID, 11 digits, ISO 7064 MOD 11,10; the first is never 0. */
function germanTaxId(digits: string): boolean {
  if (digits.length !== 11 || digits[0] === '0' || allSame(digits)) return false;
  let product = 10;
  for (let index = 0; index < 10; index++) {
    let sum = (digitAt(digits, index) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  return (11 - product) % 10 === digitAt(digits, 10);
}

/** Finland: henkilötunnus, DDMMYY, a century sign, 3 digits, a check character (the 9 digits mod 31). */
const HETU_CHECKS = '0123456789ABCDEFHJKLMNPRSTUVWXY';
function finnishHetu(compact: string): boolean {
  if (!plausibleDate(Number(compact.slice(2, 4)), Number(compact.slice(0, 2)))) return false;
  // The century sign stays in the compact form when it is a letter, not when it is `-` or `+`.
  const serialAt = compact.length === 11 ? 7 : 6;
  const number = Number(compact.slice(0, 6) + compact.slice(serialAt, serialAt + 3));
  return HETU_CHECKS[number % 31] === compact[serialAt + 3];
}

/** Belgium: national register number, YYMMDD, serial, 97 - n mod 97 (with a 2 in front for those born from 2000). */
function belgianNationalNumber(digits: string): boolean {
  if (digits.length !== 11 || allSame(digits)) return false;
  const check = Number(digits.slice(9));
  const body = Number(digits.slice(0, 9));
  return 97 - (body % 97) === check || 97 - ((2_000_000_000 + body) % 97) === check;
}

/** Sweden: personnummer, YYMMDD, `-` or `+`, 3 digits and a Luhn digit over the ten. */
function swedishPersonnummer(digits: string): boolean {
  const ten = digits.length === 12 ? digits.slice(2) : digits;
  return ten.length === 10 && plausibleDate(Number(ten.slice(2, 4)), Number(ten.slice(4, 6)) % 60) && luhnValid(ten);
}

/** Norway: fødselsnummer, DDMMYY, 3 digits, two mod-11 check digits. */
function norwegianBirthNumber(digits: string): boolean {
  if (digits.length !== 11 || !plausibleDate(Number(digits.slice(2, 4)) % 40, Number(digits.slice(0, 2)) % 40)) return false;
  const checkOf = (weights: number[]) => {
    const check = 11 - (weightedSum(digits, weights) % 11);
    return check === 11 ? 0 : check;
  };
  return checkOf([3, 7, 6, 1, 8, 9, 4, 5, 2]) === digitAt(digits, 9) && checkOf([5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) === digitAt(digits, 10);
}

/** China: resident identity number, region, YYYYMMDD, serial, ISO 7064 MOD 11-2 (10 written X). */
function chineseResidentId(compact: string): boolean {
  if (!/^\d{17}[\dX]$/.test(compact) || !plausibleDate(Number(compact.slice(10, 12)), Number(compact.slice(12, 14)))) return false;
  const year = Number(compact.slice(6, 10));
  if (year < 1900 || year > 2099) return false;
  const sum = weightedSum(compact, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
  return '10X98765432'[sum % 11] === compact[17];
}

/** The formats, the most distinctive first: where two read the same characters, the first whose check passes names it. */
export const NATIONAL_ID_FORMATS: readonly NationalIdFormat[] = [
  {
    name: 'it_codice_fiscale',
    shapes: [{ pattern: '[A-Z]{6}\\d{2}[ABCDEHLMPRST]\\d{2}[A-Z]\\d{3}[A-Z]', alone: 'letters' }],
    valid: codiceFiscale,
    words: 'codice fiscale|cod\\. ?fisc\\.?|fiscal code',
  },
  {
    name: 'es_dni_nie',
    shapes: [
      { pattern: '[XYZ]\\d{7}[A-Z]|\\d{8}[A-Z]', alone: 'letters' },
      { pattern: '\\d{2}\\.\\d{3}\\.\\d{3}[- ]?[A-Z]|[XYZ][- ]?\\d{7}[- ]?[A-Z]|\\d{8}[- ][A-Z]' },
    ],
    valid: spanishId,
    words: 'dni|nif|national id',
    acronyms: 'NIE',
  },
  {
    name: 'sg_nric_fin',
    shapes: [{ pattern: '[STFG]\\d{7}[A-Z]', alone: 'letters' }],
    valid: singaporeNric,
    words: 'nric',
    acronyms: 'FIN',
  },
  {
    name: 'in_pan',
    shapes: [{ pattern: '[A-Z]{3}[ABCFGHJLPT][A-Z]\\d{4}[A-Z]' }],
    valid: indianPan,
    acronyms: 'PAN',
  },
  {
    name: 'cn_resident_id',
    shapes: [{ pattern: '\\d{17}[\\dX]' }],
    valid: chineseResidentId,
    words: '身份证|national id',
  },
  {
    name: 'fr_nir',
    shapes: [
      { pattern: '[1-478] \\d{2} \\d{2} (?:\\d{2}|2[AB]) \\d{3} \\d{3} \\d{2}', alone: 'groups' },
      { pattern: '[1-478]\\d{4}(?:\\d{2}|2[AB])\\d{6} ?\\d{2}' },
    ],
    valid: frenchNir,
    words: 'insee|sécurité sociale|sécu',
    acronyms: 'NIR',
  },
  {
    name: 'kr_rrn',
    shapes: [{ pattern: '\\d{6}-[1-8]\\d{6}', alone: 'groups' }, { pattern: '\\d{6} ?[1-8]\\d{6}' }],
    valid: koreanRrn,
    words: '주민등록번호|주민번호|rrn',
  },
  {
    name: 'in_aadhaar',
    shapes: [{ pattern: '[2-9]\\d{3} \\d{4} \\d{4}', alone: 'groups' }, { pattern: '[2-9]\\d{11}|[2-9]\\d{3}-\\d{4}-\\d{4}' }],
    valid: aadhaar,
    words: 'aadhaa?r|आधार',
  },
  {
    name: 'br_cpf',
    shapes: [{ pattern: '\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}', alone: 'groups' }, { pattern: '\\d{9}-?\\d{2}' }],
    valid: brazilCpf,
    words: 'cpf',
  },
  {
    name: 'be_national_number',
    shapes: [{ pattern: '\\d{2}\\.\\d{2}\\.\\d{2}-\\d{3}\\.\\d{2}', alone: 'groups' }, { pattern: '\\d{11}|\\d{6}[- ]\\d{3}[- ]?\\d{2}' }],
    valid: belgianNationalNumber,
    words: 'rijksregisternummer|num[ée]ro national|registre national|national number',
  },
  {
    name: 'fi_hetu',
    shapes: [
      { pattern: '\\d{6}[A-FU-Y]\\d{3}[0-9A-FHJ-NPR-Y]', alone: 'letters' },
      { pattern: '\\d{6}[-+]\\d{3}[0-9A-FHJ-NPR-Y]', alone: 'groups' },
    ],
    valid: finnishHetu,
    words: 'henkilötunnus|hetu',
  },
  {
    name: 'uk_nhs',
    shapes: [{ pattern: '\\d{3} \\d{3} \\d{4}|\\d{3}-\\d{3}-\\d{4}|\\d{10}' }],
    valid: nhsNumber,
    words: 'nhs',
  },
  {
    name: 'pl_pesel',
    shapes: [{ pattern: '\\d{11}' }],
    valid: pesel,
    words: 'pesel',
  },
  {
    name: 'de_tax_id',
    shapes: [{ pattern: '\\d{11}|\\d{2} \\d{3} \\d{3} \\d{3}' }],
    valid: germanTaxId,
    words: 'steuer-?id|steuerliche identifikationsnummer|steueridentifikationsnummer|identifikationsnummer',
    acronyms: 'TIN',
  },
  {
    name: 'no_birth_number',
    shapes: [{ pattern: '\\d{6} ?\\d{5}' }],
    valid: norwegianBirthNumber,
    words: 'fødselsnummer|fodselsnummer|personnummer|national identity number',
  },
  {
    name: 'se_personnummer',
    shapes: [{ pattern: '(?:19|20)?\\d{6}[-+]?\\d{4}' }],
    valid: swedishPersonnummer,
    words: 'personnummer',
  },
  {
    name: 'nl_bsn',
    shapes: [{ pattern: '\\d{9}|\\d{4}\\.\\d{2}\\.\\d{3}|\\d{3} \\d{3} \\d{3}' }],
    valid: dutchBsn,
    words: 'bsn|burgerservicenummer|sofinummer',
  },
  {
    name: 'ca_sin',
    shapes: [{ pattern: '\\d{3}[ -]\\d{3}[ -]\\d{3}|\\d{9}' }],
    valid: canadianSin,
    words: 'social insurance number|num[ée]ro d.assurance sociale',
    acronyms: 'SIN|NAS',
  },
  {
    name: 'au_tfn',
    shapes: [{ pattern: '\\d{3} \\d{3} \\d{3}|\\d{3} \\d{3} \\d{2}|\\d{8,9}' }],
    valid: australianTfn,
    words: 'tfn|tax file number',
  },
];

/** Letters and digits of a candidate, upper case: what the checks read. */
function compactOf(candidate: string): string {
  return candidate.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
}

/** Not inside a longer word or number (`4111 1111 1111 1111` holds no 12-digit `dddd dddd dddd`), a decimal or a dashed id. */
const LEADING_EDGE = '(?<![\\w.,/+-]|\\d[ .-])';
const TRAILING_EDGE = '(?![\\w]|[-.,/ ]\\d|[-.,/]\\w)';

interface CompiledShape {
  format: NationalIdFormat;
  /** Sticky: tried at each candidate's start. */
  at: RegExp;
  /** Whether a word naming the format comes right before the candidate (the text before it, up to the window). */
  named: (before: string) => boolean;
}

/** A name, then only a few characters that are not digits up to the number. */
function nameBefore(names: string, flags: string): RegExp {
  return new RegExp(`(?<![A-Za-z])(?:${names})(?![A-Za-z])[^\\d\\n]{0,24}$`, flags);
}

export type NationalIdDetect = (text: string, claim: (start: number, end: number) => boolean, taken?: (offset: number) => boolean) => void;

/**
 * The detector: `letters` and `groups` read their distinctive shapes and mask those whose check passes; `named`
 * reads the other shapes and masks a number only when a word naming its format comes right before it (a few
 * non-digit characters between, within `window`) and its check passes.
 */
export function nationalIdDetector(mode: NationalIdMode, window: number): NationalIdDetect {
  const shapes: CompiledShape[] = [];
  for (const format of NATIONAL_ID_FORMATS) {
    const word = format.words ? nameBefore(format.words, 'i') : undefined;
    const acronym = format.acronyms ? nameBefore(format.acronyms, '') : undefined;
    const named = (before: string) => (word !== undefined && word.test(before)) || (acronym !== undefined && acronym.test(before));
    for (const shape of format.shapes) {
      // Each shape is read by one mode: the distinctive ones whatever precedes them, the others after a name.
      if ((shape.alone ?? 'named') !== mode) continue;
      shapes.push({ format, at: new RegExp(`${LEADING_EDGE}(?:${shape.pattern})${TRAILING_EDGE}`, 'y'), named });
    }
  }
  // One pass finds where any shape could start; the shapes are then tried there, in table order.
  const candidates = new RegExp(`${LEADING_EDGE}(?:${shapes.map((shape) => shape.at.source.slice(LEADING_EDGE.length)).join('|')})`, 'g');
  return (text, claim, taken) => {
    candidates.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = candidates.exec(text)) !== null) {
      const start = match.index;
      let end = -1;
      if (!taken || !taken(start)) {
        const before = mode === 'named' ? text.slice(Math.max(0, start - window), start) : '';
        for (const shape of shapes) {
          shape.at.lastIndex = start;
          const found = shape.at.exec(text);
          if (!found) continue;
          if (mode === 'named' && !shape.named(before)) continue;
          if (!shape.format.valid(compactOf(found[0]))) continue;
          end = start + found[0].length;
          break;
        }
      }
      if (end > start && claim(start, end)) {
        candidates.lastIndex = end;
        continue;
      }
      candidates.lastIndex = start + 1;
    }
  };
}
