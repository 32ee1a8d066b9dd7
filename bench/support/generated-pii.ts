// A generated, seeded dev corpus for the masking engine: personal data and secrets drawn with @faker-js/faker across
// dozens of locales, wrapped in log lines, JSON request bodies, command lines and AI-model answers, plus look-alikes
// that must come through byte-identical (ids, amounts, dates, versions, UUIDs, hashes, trace ids, images, addresses).
// Same seed, same corpus: the test and the benchmark score the same cases. Nothing here is copied from anyone's
// test data; every value is drawn here.
import { allFakers, type Faker } from '@faker-js/faker';
import { isValidPhoneNumber, getCountries, type CountryCode } from 'libphonenumber-js/max';
import { seededRandom } from './realistic-logs';

export const GENERATED_CATEGORIES = [
  'email',
  'ssn',
  'card',
  'phone',
  'ip',
  'credentials',
  'jwt',
  'iban',
  'cvv_pin',
  'vendor_token',
  'high_entropy',
  'credential_syntax',
  'prefixed_token',
  'whole_value_token',
  'national_id',
] as const;
export type GeneratedCategory = (typeof GENERATED_CATEGORIES)[number];
/** The seed's categories: these must all be masked, every one. */
export const SEED_CATEGORIES: readonly GeneratedCategory[] = ['email', 'ssn', 'card', 'phone', 'ip', 'credentials', 'jwt'];

export interface GeneratedPositive {
  category: GeneratedCategory;
  /** Which template wrapped it (log, json, cli, ai, form…), for reading failures. */
  shape: string;
  text: string;
  /** Substrings that must not survive masking. */
  secrets: string[];
}

export const LOOKALIKE_KINDS = [
  'id',
  'amount',
  'date',
  'version',
  'uuid',
  'hash',
  'trace_id',
  'image',
  'address',
  'phone_word',
  'ordinary',
  'credential_code',
  'prefixed_id',
  'identifier',
  'national_id_like',
] as const;
export type LookalikeKind = (typeof LOOKALIKE_KINDS)[number];

export interface GeneratedLookalike {
  kind: LookalikeKind;
  /** Must come back byte-identical. */
  text: string;
}

export interface GeneratedCorpus {
  positives: GeneratedPositive[];
  lookalikes: GeneratedLookalike[];
}

type Random = () => number;

/** Locales faker has phone, address and name data for (its `base` locale has none). */
const LOCALES = Object.keys(allFakers).filter((locale) => locale !== 'base' && !locale.endsWith('_BORK') && locale !== 'en_AU_ocker');

const PHONE_COUNTRIES = getCountries();
const validPhoneCache = new Map<string, boolean>();
/** Valid somewhere, as libphonenumber-js (full metadata) reads it: the same question the engine asks. */
function phoneValidSomewhere(text: string): boolean {
  let valid = validPhoneCache.get(text);
  if (valid === undefined) {
    valid = PHONE_COUNTRIES.some((country: CountryCode) => isValidPhoneNumber(text, country));
    validPhoneCache.set(text, valid);
  }
  return valid;
}

const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const integer = (random: Random, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
const digits = (random: Random, count: number): string => Array.from({ length: count }, () => integer(random, 0, 9)).join('');
const fromAlphabet = (random: Random, alphabet: string, count: number): string =>
  Array.from({ length: count }, () => alphabet[integer(random, 0, alphabet.length - 1)]).join('');
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function luhnComplete(body: string): string {
  let sum = 0;
  for (let index = 0; index < body.length; index++) {
    let digit = Number(body[body.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return body + String((10 - (sum % 10)) % 10);
}

function ibanCheck(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.toUpperCase().replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  return String(98 - remainder).padStart(2, '0');
}

/** One template wraps a value into a realistic string; `secrets` are what must go. */
type Wrap = (random: Random, faker: Faker, value: string) => { shape: string; text: string };

const timestamp = (random: Random) =>
  new Date(
    Date.UTC(2026, integer(random, 0, 11), integer(random, 1, 28), integer(random, 0, 23), integer(random, 0, 59), integer(random, 0, 59)),
  ).toISOString();
const level = (random: Random) => pick(random, ['INFO', 'WARN', 'DEBUG', 'ERROR']);

/** The generic wrappers every category can use: a log line, a JSON body under a neutral key, an AI answer. */
function genericWraps(noun: string, jsonKeys: readonly string[]): Wrap[] {
  return [
    (random, faker, value) => ({
      shape: 'log',
      text: `${timestamp(random)} ${level(random)} [${faker.hacker.noun()}] ${noun} ${value} (user ${faker.internet.username()})`,
    }),
    (random, faker, value) => ({ shape: 'json', text: JSON.stringify({ event: faker.hacker.verb(), [pick(random, jsonKeys)]: value, at: timestamp(random) }) }),
    (random, faker, value) => ({
      shape: 'ai',
      text:
        `Sure! I looked at the ticket from ${faker.person.firstName()}. They wrote that their ${noun} is ${value} and asked us to update the record. ` +
        `${faker.lorem.sentence()} I would recommend confirming the change by e-mail before the next billing cycle.`,
    }),
  ];
}

function positive(category: GeneratedCategory, random: Random, faker: Faker, wraps: Wrap[], value: string, secrets: string[] = [value]): GeneratedPositive {
  const { shape, text } = pick(random, wraps)(random, faker, value);
  return { category, shape, text, secrets };
}

// ---------- per-category generators ----------

function emailCase(random: Random, faker: Faker): GeneratedPositive {
  const address =
    random() < 0.8 ? faker.internet.email() : `${faker.person.firstName().toLowerCase()}.${faker.string.numeric(3)}@${faker.internet.domainName()}`;
  const wraps = genericWraps('e-mail', ['contact', 'to', 'recipient', 'reply_to']);
  wraps.push((r, f, value) => ({ shape: 'cli', text: `git -c user.email=${value} commit -m "${f.git.commitMessage()}"` }));
  return positive('email', random, faker, wraps, address);
}

function ssnCase(random: Random, faker: Faker): GeneratedPositive {
  let area = integer(random, 1, 899);
  if (area === 666) area = 667;
  const parts = [String(area).padStart(3, '0'), String(integer(random, 1, 99)).padStart(2, '0'), String(integer(random, 1, 9999)).padStart(4, '0')];
  const separator = pick(random, ['-', '-', ' ', '.']);
  const bare = random() < 0.2;
  const value = bare ? parts.join('') : parts.join(separator);
  const wraps: Wrap[] = bare
    ? [
        (r, f, v) => ({ shape: 'log', text: `${timestamp(r)} INFO KYC lookup ssn=${v} status=${pick(r, ['match', 'review'])}` }),
        (r, f, v) => ({ shape: 'json', text: JSON.stringify({ applicant: f.person.fullName(), ssn: v }) }),
        (r, f, v) => ({ shape: 'ai', text: `The applicant's Social Security number ${v} matches the one on file for ${f.person.lastName()}.` }),
      ]
    : genericWraps('SSN', ['taxNumber', 'nationalId', 'ssn']);
  return positive('ssn', random, faker, wraps, value);
}

const CARD_PREFIXES = [
  ['4', 16],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['65', 16],
  ['3528', 16],
  ['36', 14],
  ['6304', 16],
  ['62', 19],
] as const;
const MAESTRO_PREFIXES = ['50', '56', '57', '58', '60', '63', '67', '69'];

function cardDigits(random: Random): string {
  const [prefix, length] = pick(random, CARD_PREFIXES);
  return luhnComplete(prefix + digits(random, length - prefix.length - 1));
}

function splitInto(value: string, sizes: readonly number[], separator: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= value.length) break;
    parts.push(value.slice(at, at + size));
    at += size;
  }
  if (at < value.length) parts.push(value.slice(at));
  return parts.join(separator);
}

const CARD_WORDS = ['card', 'Card number', 'carte', 'Karte', 'tarjeta', 'cartão', 'credit card', 'Maestro', 'PAN'];

function cardCase(random: Random, faker: Faker): GeneratedPositive {
  const style = random();
  let value: string;
  let word = pick(random, CARD_WORDS);
  if (style < 0.15) {
    // 12-digit Maestro, after a card word.
    value = luhnComplete(pick(random, MAESTRO_PREFIXES) + digits(random, 9));
    word = pick(random, ['Maestro card', 'card', 'debit card', 'carte Maestro']);
  } else {
    const number = cardDigits(random);
    if (style < 0.45) value = number;
    else if (style < 0.75)
      value = splitInto(number, number.length === 15 ? [4, 6, 5] : number.length === 14 ? [4, 6, 4] : [4, 4, 4, 4], pick(random, [' ', '-']));
    else
      value = splitInto(
        number,
        pick(random, [
          [2, 4, 4, 6],
          [5, 5, 6],
          [4, 4, 8],
          [3, 3, 3, 3, 4],
          [6, 6, 4],
          [8, 8],
        ]),
        pick(random, [' ', '-', '  ']),
      );
  }
  const wraps: Wrap[] = [
    (r, f, v) => ({ shape: 'log', text: `${timestamp(r)} WARN payment declined for ${word} ${v} (${f.finance.currencyCode()} ${f.finance.amount()})` }),
    (r, f, v) => ({
      shape: 'json',
      text: JSON.stringify({ holder: f.person.fullName(), card: { number: v, brand: pick(r, ['visa', 'mc', 'amex']) }, note: `${word} ${v}` }),
    }),
    (r, f, v) => ({
      shape: 'ai',
      text: `I can see the customer paid with the ${word} ${v}, expiring ${String(integer(r, 1, 12)).padStart(2, '0')}/${integer(r, 27, 31)}. ${f.lorem.sentence()}`,
    }),
  ];
  return positive('card', random, faker, wraps, value);
}

/** Phone words of many languages, as people write them before a number. */
const PHONE_LEADS = [
  'phone',
  'Phone:',
  'tel',
  'Tel.',
  'TEL:',
  'mobile',
  'Mobile no.',
  'call me at',
  'you can call me at',
  'send messages to',
  'messages to',
  'fax',
  'Fax:',
  'office',
  'Office:',
  'Telefon',
  'Telefon:',
  'téléphone :',
  'tél.',
  'portable',
  'teléfono',
  'móvil:',
  'telefone',
  'celular',
  'cellulare',
  'telefono',
  'telefoon',
  'mobiel',
  'puhelin',
  'telefonnummer',
  'tlf.',
  'telefon nr',
  'WhatsApp',
  'SMS to',
  'mobile number',
  'phone number:',
];

/** Shapes of national numbers a person writes, each valid in at least one country (the ones issue 18 lists). */
export const NATIONAL_PHONE_SHAPES: readonly string[] = [
  '0412 38 90 57',
  '612 345 978',
  '71 204 386',
  '(31) 652-904',
  '61-23-47-80',
  '(03) 9123 4567',
  '31 206 555 0193',
  '381 2260',
  '+46 (0)8 123 456 78',
];

function phoneCase(random: Random, faker: Faker): GeneratedPositive {
  let value: string;
  if (random() < 0.1) value = pick(random, NATIONAL_PHONE_SHAPES);
  else {
    do value = faker.phone.number({ style: random() < 0.85 ? 'national' : 'human' }).replace(/\s*(?:x|ext\.?)\s*\d+$/i, '');
    while (!phoneValidSomewhere(value));
  }
  const lead = pick(random, PHONE_LEADS);
  const wraps: Wrap[] = [
    (r, f, v) => ({ shape: 'log', text: `${timestamp(r)} INFO profile updated for ${f.internet.username()}: ${lead} ${v}` }),
    (r, f, v) => ({
      shape: 'json',
      text: JSON.stringify({
        name: f.person.fullName(),
        [pick(r, ['phone', 'mobile', 'tel', 'telefon', 'fax', 'phoneNumber', 'contactPhone'])]: v,
        city: f.location.city(),
      }),
    }),
    (r, f, v) => ({
      shape: 'form',
      text: `name=${encodeURIComponent(f.person.firstName())}&${pick(r, ['phone', 'tel', 'mobile'])}=${encodeURIComponent(v)}&newsletter=1`,
    }),
    (r, f, v) => ({
      shape: 'ai',
      text: `Thanks, ${f.person.firstName()}! I've noted your details. ${lead} ${v}. I'll make sure the courier has it before ${f.date.weekday()}.`,
    }),
    (r, f, v) => ({ shape: 'prose', text: `${f.person.fullName()}, ${f.location.streetAddress()}, ${f.location.city()} — ${lead} ${v}` }),
  ];
  return positive('phone', random, faker, wraps, value);
}

function ipCase(random: Random, faker: Faker): GeneratedPositive {
  const value = random() < 0.6 ? faker.internet.ipv4() : faker.internet.ipv6();
  const wraps = genericWraps('client address', ['ip', 'remoteAddr', 'clientIp', 'forwardedFor']);
  wraps.push((r, f, v) => ({ shape: 'cli', text: `ssh -p 22 deploy@${v.includes(':') ? `[${v}]` : v} 'systemctl restart ${f.hacker.noun()}'` }));
  return positive('ip', random, faker, wraps, value);
}

const secretValue = (random: Random, faker: Faker) =>
  pick(random, [
    () => faker.internet.password({ length: integer(random, 10, 20) }),
    () => fromAlphabet(random, BASE62, integer(random, 12, 32)),
    () => `${faker.word.noun()}${integer(random, 10, 999)}!${faker.word.adjective()}`,
  ])().replace(/['"\s\\`$]/g, 'x');

function credentialCase(random: Random, faker: Faker): GeneratedPositive {
  const user = faker.internet.username().replace(/[^\w.-]/g, '');
  const secret = secretValue(random, faker);
  const host = faker.internet.domainName();
  const forms: Array<[string, string]> = [
    ['cli', `curl -u ${user}:${secret} https://${host}/api/v1/items`],
    ['cli', `curl --user '${user}:${secret}' -X POST https://${host}/hooks`],
    ['cli', `curl -s -u ":${secret}" https://${host}/v2/status`],
    ['cli', `curl -fsSL --user "api:${secret}" https://${host}/export.csv`],
    ['cli', `${faker.hacker.noun()}-cli login --username ${user} --password ${secret}`],
    ['cli', `mysql -h ${host} -u ${user} -p${secret} orders`],
    ['cli', `mysqldump -u${user} -p${secret} --databases shop > dump.sql`],
    ['cli', `PGPASSWORD=${secret} psql -h ${host} -U ${user} -d app`],
    ['cli', `sshpass -p ${secret} ssh ${user}@${host}`],
    ['cli', `sshpass -p '${secret}' scp backup.tgz ${user}@${host}:/srv`],
    ['code', `requests.get("https://${host}/me", auth=("${user}", "${secret}"))`],
    ['code', `HTTPBasicAuth('${user}', '${secret}')`],
    ['log', `${timestamp(random)} ERROR db connect failed: host=${host} user=${user} password=${secret}`],
    ['json', JSON.stringify({ service: faker.hacker.noun(), api_key: secret, region: 'eu-west-1' })],
    ['cli', `docker login -u ${user} --password ${secret} registry.${host}`],
    ['cli', `export MYSQL_PWD=${secret}`],
  ];
  const [shape, text] = pick(random, forms);
  return { category: 'credentials', shape, text, secrets: [secret] };
}

function jwtCase(random: Random, faker: Faker): GeneratedPositive {
  const header = Buffer.from(JSON.stringify({ alg: pick(random, ['HS256', 'RS256', 'ES256']), typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ sub: faker.string.uuid(), email: faker.internet.email(), iat: integer(random, 1.7e9, 1.8e9) })).toString(
    'base64url',
  );
  const token = `${header}.${payload}.${Buffer.from(faker.string.alphanumeric(32)).toString('base64url')}`;
  const wraps = genericWraps('session', ['session', 'jwt', 'id']);
  wraps.push((r, f, v) => ({ shape: 'cli', text: `curl -H "X-Session: ${v}" https://${f.internet.domainName()}/me` }));
  return positive('jwt', random, faker, wraps, token);
}

function ibanCase(random: Random, faker: Faker): GeneratedPositive {
  const [country, bbanOf] = pick(random, [
    ['DE', () => digits(random, 18)],
    ['FR', () => digits(random, 10) + fromAlphabet(random, UPPER_DIGITS, 11) + digits(random, 2)],
    ['GB', () => `${fromAlphabet(random, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4)}${digits(random, 14)}`],
    ['ES', () => digits(random, 20)],
    ['IT', () => `${fromAlphabet(random, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1)}${digits(random, 10)}${fromAlphabet(random, UPPER_DIGITS, 12)}`],
    ['NL', () => `${fromAlphabet(random, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4)}${digits(random, 10)}`],
    ['BE', () => digits(random, 12)],
    ['CH', () => digits(random, 17)],
    ['PL', () => digits(random, 24)],
    ['AT', () => digits(random, 16)],
  ] as Array<[string, () => string]>);
  const bban = bbanOf();
  const compact = `${country}${ibanCheck(country, bban)}${bban}`;
  const style = random();
  let value: string;
  if (style < 0.3) value = compact;
  else if (style < 0.55) value = compact.replace(/(.{4})(?=.)/g, '$1 ');
  else if (style < 0.75) value = (random() < 0.5 ? compact : compact.replace(/(.{4})(?=.)/g, '$1 ')).toLowerCase();
  else {
    // Spaces in odd places: after the country code, in uneven groups, doubled.
    const chunks: string[] = [];
    let at = 0;
    while (at < compact.length) {
      const size = at === 0 ? pick(random, [2, 4, 6]) : integer(random, 2, 6);
      chunks.push(compact.slice(at, at + size));
      at += size;
    }
    value = chunks.join(pick(random, [' ', ' ', '  ']));
  }
  const wraps = genericWraps('IBAN', ['iban', 'account', 'payoutAccount', 'bankAccount']);
  wraps.push((r, f, v) => ({ shape: 'log', text: `${timestamp(r)} INFO refund ${f.finance.amount()} ${f.finance.currencyCode()} queued to ${v}` }));
  return positive('iban', random, faker, wraps, value);
}

function cvvCase(random: Random, faker: Faker): GeneratedPositive {
  const isPin = random() < 0.4;
  const code = isPin ? digits(random, pick(random, [4, 4, 4, 6])) : digits(random, pick(random, [3, 3, 3, 4]));
  const drawn = cvvText(random, faker, isPin, code);
  // A short code can also occur by chance elsewhere in the line (a timestamp's milliseconds): draw again.
  return drawn.text.split(code).length === 2 ? drawn : cvvCase(random, faker);
}

function cvvText(random: Random, faker: Faker, isPin: boolean, code: string): GeneratedPositive {
  const card = cardDigits(random);
  const key = isPin
    ? pick(random, ['pin', 'PIN', 'pin_code', 'pinCode', 'card_pin'])
    : pick(random, ['cvv', 'CVV', 'cvc', 'CVC2', 'cvv2', 'security_code', 'securityCode', 'csc']);
  const forms: Array<[string, string]> = [
    ['log', `${timestamp(random)} DEBUG checkout payload ${key}: ${code} amount=${faker.finance.amount()}`],
    ['log', `${timestamp(random)} DEBUG form submitted ${key}=${code}&save=true`],
    ['json-string', JSON.stringify({ url: '/v1/payments', requestBody: JSON.stringify({ number: card, [key]: code, exp: '12/29' }) })],
    ['json', `{"amount":${faker.finance.amount()},"${key}":"${code}","currency":"${faker.finance.currencyCode()}"}`],
    ['prose', `${isPin ? 'PIN' : pick(random, ['security code', 'CVV', 'CVC'])} ${code} — please keep it safe, ${faker.person.firstName()}.`],
    ['ai', `I've filled in the form for you: the card ending ${card.slice(-4)} with ${isPin ? 'PIN' : 'security code'} ${code}. ${faker.lorem.sentence()}`],
  ];
  const [shape, text] = pick(random, forms);
  // The JSON-string form also carries the card number; it must go too.
  return { category: 'cvv_pin', shape, text, secrets: shape === 'json-string' ? [code, card] : [code] };
}

/** Shapes from each vendor's own documentation of its key formats. */
const VENDOR_TOKENS: Array<(random: Random) => string> = [
  (r) => `glpat-${fromAlphabet(r, `${BASE62}_-`, 20)}`,
  (r) => `xoxb-${digits(r, 12)}-${digits(r, 13)}-${fromAlphabet(r, BASE62, 24)}`,
  (r) => `xoxp-${digits(r, 12)}-${digits(r, 12)}-${digits(r, 13)}-${fromAlphabet(r, HEX, 32)}`,
  (r) => `xoxe.xoxp-1-${fromAlphabet(r, BASE62, 60)}`,
  (r) => `xoxe-1-${fromAlphabet(r, BASE62, 60)}`,
  (r) => `sq0csp-${fromAlphabet(r, `${BASE62}_-`, 43)}`,
  (r) => `sq0atp-${fromAlphabet(r, `${BASE62}_-`, 22)}`,
  (r) => `EAAA${fromAlphabet(r, `${BASE62}_-`, 60)}`,
  (r) => `shpat_${fromAlphabet(r, HEX, 32)}`,
  (r) => `shpss_${fromAlphabet(r, HEX, 32)}`,
  (r) => `pk_live_${fromAlphabet(r, BASE62, 24)}`,
  (r) => `sk_live_${fromAlphabet(r, BASE62, 24)}`,
  (r) => `rk_live_${fromAlphabet(r, BASE62, 24)}`,
  (r) => `SG.${fromAlphabet(r, `${BASE62}_-`, 22)}.${fromAlphabet(r, `${BASE62}_-`, 43)}`,
  (r) => `ops_${fromAlphabet(r, `${BASE62}_-`, 80)}`,
  (r) => `AKIA${fromAlphabet(r, UPPER_DIGITS, 16)}`,
  (r) => `ASIA${fromAlphabet(r, UPPER_DIGITS, 16)}`,
  (r) => `dapi${fromAlphabet(r, HEX, 32)}`,
  (r) => `ghp_${fromAlphabet(r, BASE62, 36)}`,
  (r) => `gho_${fromAlphabet(r, BASE62, 36)}`,
  (r) => `github_pat_${fromAlphabet(r, BASE62, 22)}_${fromAlphabet(r, BASE62, 59)}`,
  (r) => `npm_${fromAlphabet(r, BASE62, 36)}`,
  (r) => `pypi-AgEIcHlwaS5vcmc${fromAlphabet(r, `${BASE62}_-`, 70)}`,
  (r) => `sk-proj-${fromAlphabet(r, `${BASE62}_-`, 48)}`,
  (r) => `sk-${fromAlphabet(r, BASE62, 48)}`,
  (r) => `sk-ant-api03-${fromAlphabet(r, `${BASE62}_-`, 93)}AA`,
  (r) => `AIza${fromAlphabet(r, `${BASE62}_-`, 35)}`,
  (r) => `SK${fromAlphabet(r, HEX, 32)}`,
  (r) => `key-${fromAlphabet(r, HEX, 32)}`,
  (r) => `hf_${fromAlphabet(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`,
  (r) => `dop_v1_${fromAlphabet(r, HEX, 64)}`,
  (r) => `lin_api_${fromAlphabet(r, BASE62, 40)}`,
  (r) => `glsa_${fromAlphabet(r, BASE62, 32)}_${fromAlphabet(r, HEX, 8)}`,
  (r) => `AGE-SECRET-KEY-1${fromAlphabet(r, 'QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`,
  (r) => `PMAK-${fromAlphabet(r, HEX, 24)}-${fromAlphabet(r, HEX, 34)}`,
  (r) => `hvs.${fromAlphabet(r, `${BASE62}_-`, 90)}`,
  (r) => `dp.pt.${fromAlphabet(r, BASE62, 43)}`,
  (r) => `NRAK-${fromAlphabet(r, UPPER_DIGITS, 27)}`,
  (r) => `whsec_${fromAlphabet(r, BASE62, 32)}`,
  (r) => `rubygems_${fromAlphabet(r, HEX, 48)}`,
  (r) => `dckr_pat_${fromAlphabet(r, `${BASE62}_-`, 27)}`,
  (r) => `FlyV1 fm2_${fromAlphabet(r, `${BASE62}_-`, 120)}`,
  (r) => `figd_${fromAlphabet(r, `${BASE62}_-`, 40)}`,
  (r) => `sntrys_${fromAlphabet(r, BASE62, 60)}`,
  (r) => `ATCTT3xFfGN0${fromAlphabet(r, `${BASE62}_-`, 100)}`,
  (r) => `xapp-1-A${fromAlphabet(r, UPPER_DIGITS, 10)}-${digits(r, 13)}-${fromAlphabet(r, HEX, 64)}`,
];

function vendorCase(random: Random, faker: Faker): GeneratedPositive {
  const token = pick(random, VENDOR_TOKENS)(random);
  // No keyword: the shape alone must give it away.
  const wraps: Wrap[] = [
    (r, f, v) => ({ shape: 'log', text: `${timestamp(r)} DEBUG using ${v} for ${f.hacker.noun()} sync` }),
    (r, f, v) => ({ shape: 'json', text: JSON.stringify({ integration: f.company.name(), value: v, enabled: true }) }),
    (r, f, v) => ({ shape: 'cli', text: `${f.hacker.abbreviation().toLowerCase()}ctl configure --with ${v} --region eu` }),
    (r, f, v) => ({ shape: 'ai', text: `Here's the snippet with your credential filled in:\n\n    client = Client("${v}")\n\n${f.lorem.sentence()}` }),
  ];
  return positive('vendor_token', random, faker, wraps, token.startsWith('FlyV1 ') ? token.slice(6) : token);
}

/** Names that hold a secret in practice but contain no secret keyword: only the value's randomness tells. */
const NEUTRAL_NAMES = [
  'X-Upstream-Ref',
  'X-Client-Data',
  'nonce',
  'value',
  'data',
  'handle',
  'sid',
  'state',
  'k',
  'blob',
  'X-Amz-Cf-Id',
  'X-Hook-Payload',
  'grant',
];

function highEntropyCase(random: Random, faker: Faker): GeneratedPositive {
  const length = integer(random, 24, 64);
  const alphabet = pick(random, [BASE62, `${BASE62}_-`, `${BASE62}+/`]);
  let value = fromAlphabet(random, alphabet, length);
  if (alphabet.endsWith('+/') && random() < 0.5) value += '==';
  const name = pick(random, NEUTRAL_NAMES);
  const forms: Array<[string, string]> = [
    ['assignment', `${timestamp(random)} INFO ${faker.hacker.verb()} ${name.toLowerCase()}=${value} ok`],
    ['header', `${name}: ${value}`],
    ['argument', `${faker.hacker.noun().replace(/\s/g, '-')} push --${name.toLowerCase().replace(/^x-/, '')} ${value} --verbose`],
    ['argument', `curl -H "${name}: ${value}" https://${faker.internet.domainName()}/`],
    ['json', JSON.stringify({ id: faker.string.uuid(), [name]: value, ttl: 3600 })],
  ];
  const [shape, text] = pick(random, forms);
  return { category: 'high_entropy', shape, text, secrets: [value] };
}

/** A credential-named key in one of the naming styles code and config use: `deployToken`, `DB_PASSWORD`, `api-key`. */
function credentialKey(random: Random, faker: Faker): string {
  const prefix =
    faker.hacker
      .noun()
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase() || 'service';
  const keyword = pick(random, ['token', 'password', 'secret', 'api key', 'access token', 'client secret', 'passwd', 'auth token']);
  const words = [prefix, ...keyword.split(' ')];
  return pick(random, [
    () => words.join('_').toUpperCase(),
    () => words.join('_'),
    () => words.map((word, index) => (index === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join(''),
    () => words.join('.'),
    () => words.join('-'),
  ])();
}

/**
 * Credentials written with their key in the syntaxes of many languages and formats: every assignment operator,
 * typed declarations, call arguments, name/value attributes, plus login pairs. The values are lower case and digits,
 * so the entropy fallback (which wants mixed case) cannot be what catches them.
 */
function credentialSyntaxCase(random: Random, faker: Faker): GeneratedPositive {
  const key = credentialKey(random, faker);
  const identifier = key.replace(/[.-]/g, '_');
  const value = fromAlphabet(random, 'abcdefghijklmnopqrstuvwxyz0123456789', integer(random, 12, 40));
  const quote = pick(random, ['"', "'"]);
  const user = faker.internet.username().replace(/[^\w.-]/g, '') || 'svc';
  const password = `${faker.word.noun().replace(/[^A-Za-z]/g, '') || 'Harbor'}${integer(random, 10, 9999)}${pick(random, ['!', '#', '', '&', '*'])}`;
  const forms: Array<[string, string, string]> = [
    ['operator', `${key} ${pick(random, ['=', ':=', '::=', ':::=', '?=', '+=', '!=', '||=', '??='])} ${quote}${value}${quote}`, value],
    ['operator', `${key}${pick(random, ['=', ':=', '::=', '?='])}${value}`, value],
    ['php', `$${identifier} .= ${quote}${value}${quote};`, value],
    ['r', `${identifier} <- ${quote}${value}${quote}`, value],
    ['typed', `var ${identifier} ${pick(random, ['string', '*string', '[]byte'])} = "${value}"`, value],
    [
      'typed',
      `${pick(random, ['let', 'const', 'val', 'var', 'private readonly'])} ${identifier}: ${pick(random, ['string', 'String', 'String?', 'str', '&str', "&'static str"])} = "${value}";`,
      value,
    ],
    ['typed', `${pick(random, ['String', 'string', 'final String', 'const char *'])} ${identifier} = "${value}";`, value],
    [
      'call',
      `${pick(random, ['System.setProperty', 'os.Setenv', 'env::set_var', 'config.set', 'define', 'setenv', 'ENV.store', 'headers.set'])}(${quote}${key}${quote}, ${quote}${value}${quote})`,
      value,
    ],
    ['call', `putenv("${key.toUpperCase()}=${value}")`, value],
    ['xml', `<add key="${key}" value="${value}" />`, value],
    ['xml', `<property name="${key}" value="${value}"/>`, value],
    ['xml', `<entry key="${key}">${value}</entry>`, value],
    ['json', JSON.stringify({ name: key, value })],
    ['escaped', JSON.stringify({ env: `${key.toUpperCase().replace(/[.-]/g, '_')}=${value}\nLOG_LEVEL=debug` }), value],
    ['pair', `${faker.internet.email()}:${password}`, password],
    ['pair', `${pick(random, ['login', 'logged in as', 'credentials'])} ${user}:${password}`, password],
  ].map((form) => (form.length === 2 ? ['json', form[1]!, value] : form) as [string, string, string]);
  const [shape, text, secret] = pick(random, forms);
  return { category: 'credential_syntax', shape, text, secrets: [secret] };
}

const LOWER_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** A made-up vendor prefix: 2 to 8 letters (a digit now and then), lower or upper case, as no rule lists them. */
function randomPrefix(random: Random): string {
  let prefix = fromAlphabet(random, LOWER, integer(random, 2, 6));
  if (random() < 0.25) prefix += fromAlphabet(random, '0123456789', integer(random, 1, 2));
  return random() < 0.3 ? prefix.toUpperCase() : prefix;
}

/** Drawn until it holds a stretch random by the engine's reading: 13 in a row with a digit and a letter beyond `f`. */
function randomBody(random: Random, alphabet: string, length: number): string {
  for (;;) {
    const body = fromAlphabet(random, alphabet, length);
    if (body.split(/[_-]/).some((part) => part.length >= 13 && /\d/.test(part) && /[g-zG-Z]/.test(part))) return body;
  }
}

/** `<prefix><separator><random body>` of a vendor no rule names: one-part prefixes with long bodies, two-part ones (`xx_live_`) with short ones. */
function prefixedTokenCase(random: Random, faker: Faker): GeneratedPositive {
  const twoParts = random() < 0.4;
  const prefix = twoParts
    ? `${randomPrefix(random)}${pick(random, ['_', '-'])}${pick(random, ['pat', 'live', 'test', 'prod', 'sa', 'api', 'svc'])}`
    : randomPrefix(random);
  const separator = twoParts ? pick(random, ['_', '-']) : pick(random, ['_', '_', '-', '.', '~']);
  const alphabet = pick(random, [BASE62, LOWER_DIGITS, UPPER_DIGITS, ...(twoParts ? [] : [`${BASE62}-_`])]);
  const body = randomBody(random, alphabet, twoParts ? integer(random, 16, 40) : integer(random, 32, 90));
  const token = `${prefix}${separator}${body}`;
  const wraps: Wrap[] = [
    (r, f, v) => ({ shape: 'log', text: `${timestamp(r)} DEBUG using ${v} for ${f.hacker.noun()} sync` }),
    (r, f, v) => ({ shape: 'json', text: JSON.stringify({ integration: f.company.name(), value: v, enabled: true }) }),
    (r, f, v) => ({ shape: 'cli', text: `${f.hacker.abbreviation().toLowerCase()}ctl configure --with ${v} --region eu` }),
    (r, f, v) => ({ shape: 'ai', text: `Here is the client set up:\n\n    client = Client(${JSON.stringify(v)})\n\n${f.lorem.sentence()}` }),
    (r, f, v) => ({ shape: 'sentence', text: `${f.person.firstName()} pasted ${v}. ${f.lorem.sentence()}` }),
  ];
  return positive('prefixed_token', random, faker, wraps, token);
}

/** A random token that is a structured field's whole value, as the value walker hands it to the text rules. */
function wholeValueCase(random: Random): GeneratedPositive {
  const alphabet = pick(random, [BASE62, `${BASE62}_-`, `${BASE62}+/`]);
  let value = '';
  while (!(/[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value))) value = fromAlphabet(random, alphabet, integer(random, 24, 80));
  if (alphabet.endsWith('+/') && random() < 0.5) value += '==';
  const text = pick(random, [value, value, ` ${value}`, `${value}\n`]);
  return { category: 'whole_value_token', shape: 'whole', text, secrets: [value] };
}

// ---------- national identity and tax numbers: each drawn with its check computed here ----------
// Computed here rather than with national-ids.ts's checks on purpose: an oracle of its own, so a wrong table in
// either (a Verhoeff row, a serial's offset: both found so) makes the generated cases fail.

const weighted = (digitString: string, weights: readonly number[]): number =>
  weights.reduce((sum, weight, index) => sum + weight * Number(digitString[index]), 0);
const twoDigits = (value: number): string => String(value).padStart(2, '0');
const birthDate = (random: Random) => ({ year: integer(random, 1940, 2019), month: integer(random, 1, 12), day: integer(random, 1, 28) });

/** A national id as written, the words that may name it (empty: it needs none), and its value with the check broken. */
interface DrawnNationalId {
  format: string;
  value: string;
  words: readonly string[];
  broken: string;
}

/** The same written value with one check character changed to another of its kind (a digit stays a digit). */
function breakLast(value: string, alphabet = '0123456789'): string {
  const last = value[value.length - 1]!;
  const others = alphabet.replace(last, '');
  return value.slice(0, -1) + others[Number(value.replace(/\D/g, '').slice(-3) || 0) % others.length];
}

const DNI_CHECKS = 'TRWAGMYFPDXBNJZSQVHLCKE';
const CF_ODD_VALUES = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const VERHOEFF_D = [
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
const VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
for (let row = 1; row < 8; row++) VERHOEFF_P.push(VERHOEFF_P[row - 1]!.map((value) => [1, 5, 7, 6, 2, 8, 3, 0, 9, 4][value]!));
const VERHOEFF_INVERSE = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

function verhoeffComplete(body: string): string {
  let check = 0;
  for (let index = 0; index < body.length; index++) {
    check = VERHOEFF_D[check]![VERHOEFF_P[(index + 1) % 8]![Number(body[body.length - 1 - index])]!]!;
  }
  return body + String(VERHOEFF_INVERSE[check]);
}

/** Mod 11 with weights: the check digit that makes `sum + check * last` divisible by 11, or undefined if none is a digit. */
function mod11Check(body: string, weights: readonly number[], last: number): string | undefined {
  for (let check = 0; check <= 9; check++) if ((weighted(body, weights) + check * last) % 11 === 0) return String(check);
  return undefined;
}

const NATIONAL_ID_DRAWS: Array<(random: Random) => DrawnNationalId | undefined> = [
  (r) => {
    const number = digits(r, 8);
    const value = `${number}${DNI_CHECKS[Number(number) % 23]}`;
    // With a dash between number and letter it is read only after a word naming it.
    return r() < 0.2
      ? { format: 'es_dni', value: `${number}-${value.slice(8)}`, words: ['DNI', 'NIF:', 'nif'], broken: breakLast(`${number}-${value.slice(8)}`, DNI_CHECKS) }
      : { format: 'es_dni', value, words: [], broken: breakLast(value, DNI_CHECKS) };
  },
  (r) => {
    const prefix = pick(r, ['X', 'Y', 'Z']);
    const number = digits(r, 7);
    const value = `${prefix}${number}${DNI_CHECKS[Number(`${'XYZ'.indexOf(prefix)}${number}`) % 23]}`;
    return { format: 'es_nie', value, words: [], broken: breakLast(value, DNI_CHECKS) };
  },
  (r) => {
    const { year, month, day } = birthDate(r);
    const body = `${fromAlphabet(r, LETTERS, 6)}${twoDigits(year % 100)}${'ABCDEHLMPRST'[month - 1]}${twoDigits(day + (r() < 0.5 ? 40 : 0))}${fromAlphabet(r, LETTERS, 1)}${digits(r, 3)}`;
    let sum = 0;
    for (let index = 0; index < 15; index++) {
      const code = body.charCodeAt(index);
      const value = code <= 57 ? code - 48 : code - 65;
      sum += index % 2 === 0 ? CF_ODD_VALUES[value]! : value;
    }
    const value = body + LETTERS[sum % 26];
    return { format: 'it_codice_fiscale', value, words: [], broken: breakLast(value, LETTERS) };
  },
  (r) => {
    const prefix = pick(r, ['S', 'T', 'F', 'G']);
    const number = digits(r, 7);
    const remainder = (weighted(number, [2, 7, 6, 5, 4, 3, 2]) + (prefix === 'T' || prefix === 'G' ? 4 : 0)) % 11;
    const value = `${prefix}${number}${(prefix === 'S' || prefix === 'T' ? 'JZIHGFEDCBA' : 'XWUTRQPNMLK')[remainder]}`;
    return { format: 'sg_nric', value, words: [], broken: breakLast(value, LETTERS) };
  },
  (r) => {
    const { year, month, day } = birthDate(r);
    const body = `${twoDigits(year % 100)}${twoDigits(month)}${twoDigits(day)}${pick(r, year < 2000 ? ['1', '2', '5', '6'] : ['3', '4', '7', '8'])}${digits(r, 5)}`;
    const sum = weighted(body, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]);
    const value = `${body}${(11 - (sum % 11)) % 10}`;
    const dashed = `${value.slice(0, 6)}-${value.slice(6)}`;
    return r() < 0.7
      ? { format: 'kr_rrn', value: dashed, words: [], broken: breakLast(dashed) }
      : { format: 'kr_rrn', value, words: ['주민등록번호', 'RRN', '주민번호:'], broken: breakLast(value) };
  },
  (r) => {
    const value = verhoeffComplete(`${integer(r, 2, 9)}${digits(r, 10)}`);
    const spaced = value.replace(/(\d{4})(?=\d)/g, '$1 ');
    return r() < 0.6
      ? { format: 'in_aadhaar', value: spaced, words: [], broken: breakLast(spaced) }
      : { format: 'in_aadhaar', value, words: ['Aadhaar', 'aadhaar no.', 'Aadhar number:'], broken: breakLast(value) };
  },
  (r) => {
    const body = digits(r, 9);
    const first = ((weighted(body, [10, 9, 8, 7, 6, 5, 4, 3, 2]) * 10) % 11) % 10;
    const second = ((weighted(`${body}${first}`, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]) * 10) % 11) % 10;
    const value = `${body}${first}${second}`;
    const dotted = `${value.slice(0, 3)}.${value.slice(3, 6)}.${value.slice(6, 9)}-${value.slice(9)}`;
    return r() < 0.6
      ? { format: 'br_cpf', value: dotted, words: [], broken: breakLast(dotted) }
      : { format: 'br_cpf', value, words: ['CPF', 'cpf:', 'CPF nº'], broken: breakLast(value) };
  },
  (r) => {
    const { year, month, day } = birthDate(r);
    const body = `${twoDigits(year % 100)}${twoDigits(month)}${twoDigits(day)}${digits(r, 3)}`;
    const check = twoDigits(97 - (((year >= 2000 ? 2_000_000_000 : 0) + Number(body)) % 97));
    const value = `${body.slice(0, 2)}.${body.slice(2, 4)}.${body.slice(4, 6)}-${body.slice(6)}.${check}`;
    return { format: 'be_national_number', value, words: [], broken: breakLast(value) };
  },
  (r) => {
    const { year, month } = birthDate(r);
    const body = `${pick(r, ['1', '2'])}${twoDigits(year % 100)}${twoDigits(month)}${twoDigits(integer(r, 1, 95))}${digits(r, 6)}`;
    const value = `${body}${twoDigits(97 - Number(BigInt(body) % 97n))}`;
    const spaced = `${value[0]} ${value.slice(1, 3)} ${value.slice(3, 5)} ${value.slice(5, 7)} ${value.slice(7, 10)} ${value.slice(10, 13)} ${value.slice(13)}`;
    return r() < 0.6
      ? { format: 'fr_nir', value: spaced, words: [], broken: breakLast(spaced) }
      : { format: 'fr_nir', value, words: ['numéro de sécurité sociale', 'NIR', 'n° INSEE'], broken: breakLast(value) };
  },
  (r) => {
    const { year, month, day } = birthDate(r);
    const serial = digits(r, 3);
    const check = '0123456789ABCDEFHJKLMNPRSTUVWXY'[Number(`${twoDigits(day)}${twoDigits(month)}${twoDigits(year % 100)}${serial}`) % 31]!;
    const value = `${twoDigits(day)}${twoDigits(month)}${twoDigits(year % 100)}${year >= 2000 ? 'A' : pick(r, ['-', 'Y', 'X'])}${serial}${check}`;
    return { format: 'fi_hetu', value, words: [], broken: breakLast(value, '0123456789ABCDEFHJKLMNPRSTUVWXY') };
  },
  (r) => {
    const body = digits(r, 9);
    const check = 11 - (weighted(body, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
    if (check === 10) return undefined;
    const value = `${body}${check % 11}`;
    const written = r() < 0.6 ? `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}` : value;
    return { format: 'uk_nhs', value: written, words: ['NHS number', 'NHS no:', 'NHS', 'nhs_number='], broken: breakLast(written) };
  },
  (r) => {
    const { year, month, day } = birthDate(r);
    const body = `${twoDigits(year % 100)}${twoDigits(month + (year >= 2000 ? 20 : 0))}${twoDigits(day)}${digits(r, 4)}`;
    const value = `${body}${(10 - (weighted(body, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10}`;
    return { format: 'pl_pesel', value, words: ['PESEL', 'PESEL:', 'nr PESEL', '"pesel":"'], broken: breakLast(value) };
  },
  (r) => {
    const body = digits(r, 8);
    const check = mod11Check(body, [9, 8, 7, 6, 5, 4, 3, 2], -1);
    if (check === undefined || body === '00000000') return undefined;
    const value = `${body}${check}`;
    return { format: 'nl_bsn', value, words: ['BSN', 'BSN:', 'burgerservicenummer', 'bsn='], broken: breakLast(value) };
  },
  (r) => {
    const value = luhnComplete(`${pick(r, ['1', '2', '3', '4', '5', '6', '7', '9'])}${digits(r, 7)}`);
    const written = r() < 0.6 ? `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}` : value;
    return { format: 'ca_sin', value: written, words: ['SIN', 'SIN:', 'social insurance number'], broken: breakLast(written) };
  },
  (r) => {
    const body = digits(r, 8);
    const check = mod11Check(body, [1, 4, 3, 7, 5, 8, 6, 9], 10);
    if (check === undefined) return undefined;
    const value = `${body}${check}`;
    const written = r() < 0.6 ? `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}` : value;
    return { format: 'au_tfn', value: written, words: ['TFN', 'TFN:', 'tax file number'], broken: breakLast(written) };
  },
  (r) => {
    const value = `${fromAlphabet(r, LETTERS, 3)}${pick(r, ['P', 'C', 'H', 'F'])}${fromAlphabet(r, LETTERS, 1)}${digits(r, 4)}${fromAlphabet(r, LETTERS, 1)}`;
    // No check exists: the look-alike has a holder letter (the fourth) that no PAN has.
    return { format: 'in_pan', value, words: ['PAN', 'PAN card', 'PAN:'], broken: `${value.slice(0, 3)}${pick(r, ['D', 'K', 'Q', 'Z'])}${value.slice(4)}` };
  },
  (r) => {
    const body = `${integer(r, 1, 9)}${digits(r, 9)}`;
    let product = 10;
    for (const digit of body) {
      let sum = (Number(digit) + product) % 10;
      if (sum === 0) sum = 10;
      product = (sum * 2) % 11;
    }
    const value = `${body}${(11 - product) % 10}`;
    return { format: 'de_tax_id', value, words: ['Steuer-ID', 'Steuer-ID:', 'steuerliche Identifikationsnummer', 'TIN'], broken: breakLast(value) };
  },
];

function drawNationalId(random: Random): DrawnNationalId {
  for (;;) {
    const drawn = pick(random, NATIONAL_ID_DRAWS)(random);
    if (drawn) return drawn;
  }
}

function nationalIdCase(random: Random, faker: Faker): GeneratedPositive {
  const { value, words } = drawNationalId(random);
  const word = words.length === 0 ? pick(random, ['ID', 'document', 'customer', 'ref.']) : pick(random, words);
  const lead = word.endsWith('"') || word.endsWith('=') ? word : `${word} `;
  const wraps: Wrap[] = [
    (r, f, v) => ({ shape: 'log', text: `${timestamp(r)} INFO KYC check for ${f.person.lastName()}: ${lead}${v} status=${pick(r, ['match', 'review'])}` }),
    (r, f, v) => ({ shape: 'form', text: `${f.person.fullName()}, ${f.location.city()}; ${lead}${v}; born ${integer(r, 1, 28)}.${integer(r, 1, 12)}.` }),
    (r, f, v) => ({
      shape: 'ai',
      text: `The customer ${f.person.firstName()} sent a scan of their document, ${lead}${v}, and asked us to update the account. ${f.lorem.sentence()}`,
    }),
  ];
  if (words.length === 0)
    wraps.push((r, f, v) => ({ shape: 'json', text: JSON.stringify({ holder: f.person.fullName(), document: v, country: f.location.countryCode() }) }));
  return positive('national_id', random, faker, wraps, value);
}

const generators: Record<GeneratedCategory, (random: Random, faker: Faker) => GeneratedPositive> = {
  email: emailCase,
  ssn: ssnCase,
  card: cardCase,
  phone: phoneCase,
  ip: ipCase,
  credentials: credentialCase,
  jwt: jwtCase,
  iban: ibanCase,
  cvv_pin: cvvCase,
  vendor_token: vendorCase,
  high_entropy: highEntropyCase,
  credential_syntax: credentialSyntaxCase,
  prefixed_token: prefixedTokenCase,
  whole_value_token: wholeValueCase,
  national_id: nationalIdCase,
};

/** Crockford base32, as ULIDs are written. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** The characters Kubernetes puts in the hashes of pod names (no vowels). */
const POD_HASH = 'bcdfghjklmnpqrstvwxz2456789';

const identifierWords = (random: Random, faker: Faker, count: number): string[] =>
  Array.from(
    { length: count },
    () =>
      faker.word
        .noun()
        .toLowerCase()
        .replace(/[^a-z]/g, '') || pick(random, ['order', 'cart', 'user']),
  );

// ---------- look-alikes that must stay ----------

const lookalikeGenerators: Record<LookalikeKind, (random: Random, faker: Faker) => string> = {
  id: (r, f) =>
    pick(r, [
      () => `order id ${digits(r, 10)} shipped; tracking ${fromAlphabet(r, UPPER_DIGITS, 2)}${digits(r, 9)}DE`,
      () => `${timestamp(r)} INFO invoice INV-${digits(r, 8)} created for account ${digits(r, 6)}`,
      () => JSON.stringify({ orderNumber: digits(r, 12), sku: `SKU-${digits(r, 5)}`, qty: integer(r, 1, 9) }),
      () => `Ticket #${digits(r, 7)} closed by ${f.person.firstName()} after ${integer(r, 2, 90)} minutes`,
      () => `batch ${digits(r, 9)} processed ${integer(r, 100, 99999)} rows`,
    ])(),
  amount: (r, f) =>
    pick(r, [
      () => `total ${f.finance.amount({ min: 1000, max: 999999, dec: 2 })} ${f.finance.currencyCode()}`,
      () => `Charged ${f.finance.currencySymbol()}${integer(r, 1, 999)},${digits(r, 3)}.${digits(r, 2)} to the wallet`,
      () => `Balance: ${integer(r, 100, 999)} ${digits(r, 3)} ${digits(r, 3)},${digits(r, 2)} RUB`,
      () =>
        JSON.stringify({
          amount: Number(f.finance.amount({ min: 10, max: 99999 })),
          amountCents: integer(r, 1000, 99999999),
          currency: f.finance.currencyCode(),
        }),
    ])(),
  date: (r) => {
    const date = new Date(Date.UTC(integer(r, 2000, 2030), integer(r, 0, 11), integer(r, 1, 28), integer(r, 0, 23), integer(r, 0, 59)));
    const [year, month, day] = [date.getUTCFullYear(), String(date.getUTCMonth() + 1).padStart(2, '0'), String(date.getUTCDate()).padStart(2, '0')];
    return pick(r, [
      () => `${date.toISOString()} INFO nightly export finished`,
      () => `Termin am ${day}.${month}.${year} um ${integer(r, 8, 18)}:00 bestätigt`,
      () => `Due ${month}/${day}/${year}; reminder sent ${day}-${month}-${year}`,
      () => `epoch ${date.getTime()} (${Math.floor(date.getTime() / 1000)} s)`,
      () => `date: ${year}${month}${day} ${String(date.getUTCHours()).padStart(2, '0')}${String(date.getUTCMinutes()).padStart(2, '0')}00`,
    ])();
  },
  version: (r, f) =>
    pick(r, [
      () => `app version ${f.system.semver()} (build ${digits(r, 5)})`,
      () => `Windows 10.0.${integer(r, 17000, 22631)}.${integer(r, 1000, 4000)} x64`,
      () => `Chrome/${integer(r, 100, 130)}.0.${integer(r, 4000, 6999)}.${integer(r, 10, 200)} Safari/537.36`,
      () => `upgraded ${f.hacker.noun()} from ${f.system.semver()} to ${f.system.semver()}-rc.${integer(r, 1, 9)}`,
      () => `kernel ${integer(r, 4, 6)}.${integer(r, 0, 19)}.${integer(r, 0, 200)}-${integer(r, 10, 99)}-generic`,
    ])(),
  uuid: (r, f) =>
    pick(r, [
      () => `request ${f.string.uuid()} completed`,
      () => JSON.stringify({ id: f.string.uuid(), parentId: f.string.uuid() }),
      () => `x-request-id: ${f.string.uuid()}`,
    ])(),
  hash: (r, f) =>
    pick(r, [
      () => `commit ${f.git.commitSha()} by ${f.person.firstName()}`,
      () => `sha256=${fromAlphabet(r, HEX, 64)} size=${integer(r, 100, 99999)}`,
      () => `etag: "${fromAlphabet(r, HEX, 32)}"`,
      () => JSON.stringify({ checksum: fromAlphabet(r, HEX, 40), algorithm: 'sha1' }),
      () => `build ${f.git.commitSha({ length: 7 })} deployed`,
    ])(),
  trace_id: (r) =>
    pick(r, [
      () => `traceparent: 00-${fromAlphabet(r, HEX, 32)}-${fromAlphabet(r, HEX, 16)}-01`,
      () => `traceId=${fromAlphabet(r, HEX, 32)} spanId=${fromAlphabet(r, HEX, 16)}`,
      () => JSON.stringify({ trace_id: fromAlphabet(r, HEX, 32), span_id: fromAlphabet(r, HEX, 16) }),
      () => `X-Amzn-Trace-Id: Root=1-${fromAlphabet(r, HEX, 8)}-${fromAlphabet(r, HEX, 24)}`,
    ])(),
  image: (r) => {
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.from(Array.from({ length: integer(r, 40, 300) }, () => integer(r, 0, 255))),
    ]).toString('base64');
    return pick(r, [
      () => `<img src="data:image/png;base64,${png}">`,
      () => JSON.stringify({ avatar: `data:image/png;base64,${png}` }),
      () => JSON.stringify({ thumbnail: png, type: 'image/png' }),
    ])();
  },
  address: (r, f) =>
    pick(r, [
      () => `Ship to ${f.person.fullName()}, ${f.location.streetAddress(true)}, ${f.location.zipCode()} ${f.location.city()}`,
      () => JSON.stringify({ street: f.location.streetAddress(), postcode: f.location.zipCode(), city: f.location.city(), country: f.location.countryCode() }),
      () => `${f.location.buildingNumber()} ${f.location.street()}, ${f.location.city()} ${f.location.zipCode()}`,
    ])(),
  phone_word: (r, f) =>
    pick(r, [
      () => `phone model ${pick(r, ['iPhone 15 Pro', 'Pixel 8', 'Galaxy S24'])}, iOS ${integer(r, 15, 18)}.${integer(r, 0, 6)}, battery ${integer(r, 5, 100)}%`,
      () => `call took ${integer(r, 100, 99999)} ms (retries ${integer(r, 0, 5)})`,
      () => `telemetry batch ${integer(r, 1, 99)} of ${integer(r, 100, 999)}: ${integer(r, 1000, 99999)} events in ${integer(r, 10, 9999)} ms`,
      () =>
        `mobile app ${f.system.semver()} crashed ${integer(r, 2, 99)} times since ${new Date(Date.UTC(2026, integer(r, 0, 11), integer(r, 1, 28))).toISOString().slice(0, 10)}`,
      () => `office hours ${integer(r, 7, 10)}:00-${integer(r, 16, 19)}:30, room ${integer(r, 100, 999)}, floor ${integer(r, 1, 40)}`,
      () => `fax queue: ${integer(r, 0, 999)} pending, oldest ${integer(r, 1, 59)} min`,
      () => `Call me at ${integer(r, 1, 12)}:${pick(r, ['00', '15', '30', '45'])} on ${f.date.weekday()}, ref ${integer(r, 100, 999)}`,
      () =>
        `phone order total ${f.finance.amount({ min: 100, max: 99999, dec: 2 })} ${f.finance.currencyCode()} on ${new Date(Date.UTC(2026, integer(r, 0, 11), integer(r, 1, 28))).toISOString().slice(0, 10)}`,
    ])(),
  ordinary: (r, f) =>
    pick(r, [
      () => `${timestamp(r)} INFO ${f.hacker.phrase()}`,
      () => `${f.lorem.paragraph()}`,
      () =>
        `Based on the logs, the ${f.hacker.noun()} failed ${integer(r, 2, 20)} times between ${integer(r, 1, 12)}:00 and ${integer(r, 1, 12)}:30. ${f.hacker.phrase()} I suggest raising the timeout to ${integer(r, 2, 60)} seconds.`,
      () => JSON.stringify({ level: 'info', msg: f.hacker.phrase(), durationMs: integer(r, 1, 9999), count: integer(r, 0, 500) }),
      () =>
        `GET /api/v${integer(r, 1, 3)}/${f.hacker.noun().replace(/\s/g, '-')}s?page=${integer(r, 1, 99)}&limit=${pick(r, [10, 20, 50])} ${pick(r, [200, 304, 404])} ${integer(r, 1, 999)}ms`,
      () => `${f.person.fullName()} (${f.person.jobTitle()}) joined the ${f.commerce.department()} team`,
    ])(),
  // Credential words in code and config without a secret: declarations, coordinates, expressions, templates, pairs.
  credential_code: (r, f) => {
    const key = credentialKey(r, f);
    const identifier = key.replace(/[.-]/g, '_');
    /** A noun in ASCII letters (some locales have none), or the fallback. */
    const latinWord = (fallback: string) =>
      f.word
        .noun()
        .toLowerCase()
        .replace(/[^a-z]/g, '') || fallback;
    return pick(r, [
      () => `${identifier}: ${pick(r, ['string', 'String', 'str', 'string | undefined'])};`,
      () => `implementation '${pick(r, ['io', 'com', 'org'])}.${latinWord('jsonweb')}token:${latinWord('core')}-api:${f.system.semver()}'`,
      () => `${identifier}: new ${pick(r, ['AWS.Credentials', 'SecretClient', 'TokenCredential'])}(${f.word.noun().replace(/[^A-Za-z]/g, '')}, opts)`,
      () => `${identifier}: await ${pick(r, ['fetchToken', 'getSecret', 'vault.read'])}(${integer(r, 1, 9)})`,
      () => `${key}: {{ .Values.${identifier} ${pick(r, ['', '| b64enc ', '| quote '])}}}`,
      () => `os.Setenv("${key.toUpperCase()}", ${identifier})`,
      () => `<add key="${key}Policy" value="${pick(r, ['strict', 'lenient', 'true', '12'])}" />`,
      () =>
        `${f.internet.domainName()}:${integer(r, 1, 65535)} ns:${f.word.noun().replace(/[^a-z]/g, '') || 'name'} took ${integer(r, 1, 59)}:${pick(r, ['00', '30'])}`,
      () => `login ${f.internet.username().replace(/[^\w.-]/g, '') || 'svc'}:${integer(r, 1, 99999)} at ${integer(r, 0, 23)}:${pick(r, ['00', '15', '30'])}`,
      () => `${identifier} count = ${integer(r, 1, 99999)}`,
    ])();
  },
  // Object ids with a prefix: short random bodies, hex, UUIDs, ULIDs, pod names. A debugging product keeps them.
  prefixed_id: (r, f) =>
    pick(r, [
      () => `customer ${pick(r, ['cus', 'acct', 'prod', 'card'])}_${fromAlphabet(r, BASE62, 14)} charged ${f.finance.amount()}`,
      () => `${timestamp(r)} INFO ${pick(r, ['ch', 'pi', 'evt', 'sub', 'in', 'txn', 'price'])}_${fromAlphabet(r, BASE62, 24)} ${f.hacker.verb()}`,
      () => JSON.stringify({ id: `${pick(r, ['usr', 'org', 'ws'])}_${fromAlphabet(r, CROCKFORD, 26)}`, plan: 'pro' }),
      () => `request ${pick(r, ['req', 'trace', 'span', 'job', 'msg'])}${pick(r, ['_', '-'])}${fromAlphabet(r, HEX, pick(r, [16, 24, 32, 40]))} done`,
      () => `user usr_${f.string.uuid()} ${f.hacker.verb()}`,
      () => `pod ${identifierWords(r, f, integer(r, 1, 4)).join('-')}-${fromAlphabet(r, POD_HASH, 10)}-${fromAlphabet(r, POD_HASH, 5)} ready`,
      () => `user user_${fromAlphabet(r, BASE62, 27)} signed in`,
    ])(),
  // Code identifiers, flags, file names, class names: words and numbers, never random.
  identifier: (r, f) =>
    pick(r, [
      () => `calling ${identifierWords(r, f, integer(r, 3, 5)).join('_')}_controller`,
      () => `flag ${identifierWords(r, f, integer(r, 2, 4)).join('-')}-v${integer(r, 2, 9)} enabled`,
      () => `build-${2020 + integer(r, 0, 9)}-${digits(r, 2)}-${digits(r, 2)}-rc${integer(r, 1, 9)}`,
      () => `saved IMG_${2020 + integer(r, 0, 9)}${digits(r, 4)}_${digits(r, 6)}.jpg to ${identifierWords(r, f, 1)[0]}_${digits(r, 8)}`,
      () => {
        const words = identifierWords(r, f, integer(r, 4, 7)).map((word) => word[0]!.toUpperCase() + word.slice(1));
        return `-[${words.join('')}Controller ${words[0]!.toLowerCase()}${words.slice(1).join('')}]`;
      },
      () =>
        `com.${identifierWords(r, f, 2).join('.')}.${identifierWords(r, f, 2)
          .map((word) => word[0]!.toUpperCase() + word.slice(1))
          .join('')}Activity`,
      () => `<div class="${identifierWords(r, f, 2).join('-')} css-${fromAlphabet(r, LOWER_DIGITS, 7)} ${identifierWords(r, f, 1)[0]}--large">`,
      () => `ChromeDriver_${integer(r, 100, 130)}_0_${integer(r, 4000, 6999)} and app-release-${f.system.semver()}.apk`,
    ])(),
  // National id shapes with a broken check (after the words that name them), and all-digit ones with a sound check
  // but no such word: order numbers, batch ids and epoch times.
  national_id_like: (r) => {
    const { value, words, broken } = drawNationalId(r);
    return pick(r, [
      () => `${pick(r, words.length ? words : ['document'])} ${broken} rejected: check digit mismatch`,
      () =>
        `${pick(r, ['order', 'invoice', 'batch', 'job', 'ticket'])} ${words.length === 0 ? broken : value} ${pick(r, ['shipped', 'queued', 'closed'])} at ${integer(r, 10, 23)}:${integer(r, 10, 59)}`,
      () =>
        JSON.stringify({
          seq: value.replace(/\D/g, ''),
          startedAt: integer(r, 1.7e12, 1.8e12),
          build: `${integer(r, 1, 9)}.${integer(r, 0, 30)}.${integer(r, 0, 99)}`,
        }),
    ])();
  },
};

/**
 * Draws with a random locale's faker; a locale without the data a template asks for (not every locale has
 * postcodes or phone formats) falls back to `en` with the same seed, so the corpus stays the same for a seed.
 */
function drawWithLocale<T>(random: Random, draw: (random: Random, faker: Faker) => T): T {
  const locale = pick(random, LOCALES) as keyof typeof allFakers;
  const seed = integer(random, 0, 2 ** 31 - 1);
  const state = integer(random, 0, 2 ** 31 - 1);
  const faker = allFakers[locale] as Faker;
  faker.seed(seed);
  try {
    return draw(seededRandom(state), faker);
  } catch {
    (allFakers.en as Faker).seed(seed);
    return draw(seededRandom(state), allFakers.en as Faker);
  }
}

/** Categories and look-alike kinds drawn from the second stream (see generatePiiCorpus). */
const LATER_DRAWN: readonly string[] = ['prefixed_token', 'whole_value_token', 'prefixed_id', 'identifier'];

/** `perCategory` positives of every category and `perKind` look-alikes of every kind, the same for a seed. */
export function generatePiiCorpus(options: { seed?: number; perCategory?: number; perKind?: number } = {}): GeneratedCorpus {
  const random = seededRandom(options.seed ?? 20261205);
  const perCategory = options.perCategory ?? 400;
  const perKind = options.perKind ?? 200;
  // Categories and kinds added later draw from a stream of their own, so the earlier ones stay the same cases.
  const later = seededRandom((options.seed ?? 20261205) + 1);
  const streamOf = (name: string) => (LATER_DRAWN.includes(name) ? later : random);
  const positives: GeneratedPositive[] = [];
  for (const category of GENERATED_CATEGORIES) {
    for (let count = 0; count < perCategory; count++) positives.push(drawWithLocale(streamOf(category), generators[category]));
  }
  const lookalikes: GeneratedLookalike[] = [];
  for (const kind of LOOKALIKE_KINDS) {
    for (let count = 0; count < perKind * (kind === 'ordinary' ? 3 : 1); count++)
      lookalikes.push({ kind, text: drawWithLocale(streamOf(kind), lookalikeGenerators[kind]) });
  }
  return { positives, lookalikes };
}

export interface CategoryScore {
  passed: number;
  total: number;
  /** A few failures, for reading. */
  failures: string[];
}

export interface GeneratedScore {
  recall: Record<GeneratedCategory, CategoryScore>;
  precision: Record<LookalikeKind, CategoryScore>;
}

/** Recall per category (every secret gone) and look-alike precision per kind (byte-identical). */
export function scoreGeneratedCorpus(corpus: GeneratedCorpus, mask: (text: string) => string): GeneratedScore {
  const empty = () => ({ passed: 0, total: 0, failures: [] as string[] });
  const recall = Object.fromEntries(GENERATED_CATEGORIES.map((category) => [category, empty()])) as Record<GeneratedCategory, CategoryScore>;
  const precision = Object.fromEntries(LOOKALIKE_KINDS.map((kind) => [kind, empty()])) as Record<LookalikeKind, CategoryScore>;
  for (const item of corpus.positives) {
    const masked = mask(item.text);
    const bucket = recall[item.category];
    bucket.total++;
    if (item.secrets.every((secret) => !masked.includes(secret))) bucket.passed++;
    else if (bucket.failures.length < 12) bucket.failures.push(`[${item.shape}] ${JSON.stringify(item.text)} -> ${JSON.stringify(masked)}`);
  }
  for (const item of corpus.lookalikes) {
    const masked = mask(item.text);
    const bucket = precision[item.kind];
    bucket.total++;
    if (masked === item.text) bucket.passed++;
    else if (bucket.failures.length < 12) bucket.failures.push(`${JSON.stringify(item.text)} -> ${JSON.stringify(masked)}`);
  }
  return { recall, precision };
}

/** The score as a table, one row per category and kind. */
export function formatGeneratedScore(score: GeneratedScore): string {
  const percent = (bucket: CategoryScore) => `${((bucket.passed / Math.max(1, bucket.total)) * 100).toFixed(2)} %`;
  const rows = [
    '| recall (secrets gone) | cases | masked | |',
    '| --- | --- | --- | --- |',
    ...GENERATED_CATEGORIES.map(
      (category) =>
        `| ${category}${SEED_CATEGORIES.includes(category) ? ' (seed)' : ''} | ${score.recall[category].total} | ${score.recall[category].passed} | ${percent(score.recall[category])} |`,
    ),
    '',
    '| look-alike precision (byte-identical) | cases | unchanged | |',
    '| --- | --- | --- | --- |',
    ...LOOKALIKE_KINDS.map((kind) => `| ${kind} | ${score.precision[kind].total} | ${score.precision[kind].passed} | ${percent(score.precision[kind])} |`),
  ];
  return rows.join('\n');
}
