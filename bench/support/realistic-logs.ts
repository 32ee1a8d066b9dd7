// A deterministic, mixed corpus of realistic app log lines: mostly ordinary operational lines (ids,
// timestamps, versions, URLs, durations, trace ids that must come through unchanged) with a share of
// lines carrying personal data or secrets, each recorded so a benchmark can check it was masked.
import { createHash } from 'node:crypto';

export interface LogLine {
  text: string;
  /** Substrings that must not survive masking. Empty for ordinary lines. */
  secrets: string[];
  level: 'debug' | 'info' | 'warn' | 'error';
  module: string;
}

/** mulberry32: small, fast and seedable, so every run and every contender sees the same corpus. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const integer = (random: Random, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
const hex = (random: Random, length: number): string => Array.from({ length }, () => '0123456789abcdef'[integer(random, 0, 15)]).join('');
const characters = (random: Random, alphabet: string, length: number): string =>
  Array.from({ length }, () => alphabet[integer(random, 0, alphabet.length - 1)]).join('');
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const uuid = (random: Random): string =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${pick(random, ['8', '9', 'a', 'b'])}${hex(random, 3)}-${hex(random, 12)}`;
const base64url = (text: string): string => Buffer.from(text).toString('base64url');

const FIRST_NAMES = ['maria', 'james', 'wei', 'fatima', 'lucas', 'aiko', 'olu', 'sofia', 'ivan', 'priya'];
const LAST_NAMES = ['garcia', 'smith', 'chen', 'khan', 'muller', 'tanaka', 'adeyemi', 'rossi', 'petrov', 'patel'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'example.co.uk'];
const MODULES = ['http', 'checkout', 'auth', 'sync', 'db', 'cache', 'ui', 'payments', 'push', 'media'];
const SCREENS = ['Cart', 'Checkout', 'Home', 'Search', 'Profile', 'OrderHistory', 'Settings'];

function timestamp(random: Random): string {
  return new Date(
    Date.UTC(2026, 10, integer(random, 1, 21), integer(random, 0, 23), integer(random, 0, 59), integer(random, 0, 59), integer(random, 0, 999)),
  ).toISOString();
}

function email(random: Random): string {
  return `${pick(random, FIRST_NAMES)}.${pick(random, LAST_NAMES)}${integer(random, 1, 99)}@${pick(random, DOMAINS)}`;
}

/** A card number with a valid Luhn check digit, so a checksum-validating rule must catch it. */
function cardNumber(random: Random): string {
  const prefix = pick(random, ['4', '51', '52', '37', '6011']);
  const length = prefix === '37' ? 15 : 16;
  const digits = (prefix + Array.from({ length: length - prefix.length - 1 }, () => integer(random, 0, 9)).join('')).split('').map(Number);
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits[digits.length - 1 - index]!;
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  const number = digits.join('') + String((10 - (sum % 10)) % 10);
  return length === 16 ? number.replace(/(\d{4})(?=\d)/g, '$1 ') : number;
}

/** An IBAN with a valid mod-97 check, built from a country's format. */
function iban(random: Random): string {
  const [country, bban] = pick(random, [
    ['DE', Array.from({ length: 18 }, () => integer(random, 0, 9)).join('')],
    ['GB', `WEST${Array.from({ length: 14 }, () => integer(random, 0, 9)).join('')}`],
    ['FR', Array.from({ length: 23 }, () => integer(random, 0, 9)).join('')],
  ] as const);
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  const check = String(98 - remainder).padStart(2, '0');
  return `${country}${check}${bban}`.replace(/(.{4})(?=.)/g, '$1 ');
}

function phone(random: Random): string {
  return pick(random, [
    () => `+1 (${integer(random, 201, 989)}) 555-${String(integer(random, 100, 199)).padStart(4, '0')}`,
    () => `+44 20 7946 ${String(integer(random, 0, 999)).padStart(4, '0')}`,
    () => `+49 30 ${integer(random, 10000000, 99999999)}`,
    () => `+33 6 ${integer(random, 10, 99)} ${integer(random, 10, 99)} ${integer(random, 10, 99)} ${integer(random, 10, 99)}`,
    () => `+81 90-${integer(random, 1000, 9999)}-${integer(random, 1000, 9999)}`,
  ])();
}

function jwt(random: Random): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: hex(random, 8) }));
  const payload = base64url(JSON.stringify({ sub: uuid(random), iat: 1763700000 + integer(random, 0, 99999), scope: 'orders:read profile' }));
  return `${header}.${payload}.${createHash('sha256').update(hex(random, 16)).digest('base64url')}`;
}

type Template = (random: Random) => Omit<LogLine, 'module'> & { module?: string };

const ordinary: Template[] = [
  (r) => ({
    level: 'info',
    text: `GET /api/v2/orders/ORD-2026-${String(integer(r, 1, 999999)).padStart(6, '0')} ${pick(r, [200, 200, 200, 304, 404])} ${integer(r, 3, 900)}ms traceId=${hex(r, 32)}`,
    secrets: [],
  }),
  (r) => ({
    level: 'debug',
    text: `Cache miss for key product:sku-${integer(r, 10000, 99999)} after ${(r() * 40).toFixed(1)}ms (hit ratio ${r().toFixed(2)})`,
    secrets: [],
  }),
  (r) => ({
    level: 'info',
    text: `Started job reindex-catalog id=${uuid(r)} version ${integer(r, 1, 9)}.${integer(r, 0, 30)}.${integer(r, 0, 99)} at ${timestamp(r)}`,
    secrets: [],
  }),
  (r) => ({
    level: 'debug',
    text: `SELECT id, status, total_cents FROM orders WHERE customer_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 50 -- ${integer(r, 1, 60)} rows in ${integer(r, 1, 80)}ms`,
    secrets: [],
  }),
  (r) => ({
    level: 'warn',
    text: `Retrying POST https://api.payments.example.net/v1/charges (attempt ${integer(r, 2, 5)}/5) after ${pick(r, [100, 250, 500, 1000])}ms backoff, request-id req_${hex(r, 24)}`,
    secrets: [],
  }),
  (r) => ({
    level: 'info',
    text: JSON.stringify({
      level: 'info',
      msg: 'render complete',
      screen: pick(r, SCREENS),
      durationMs: integer(r, 8, 900),
      fps: Number((50 + r() * 10).toFixed(1)),
      build: `5.${integer(r, 0, 14)}.${integer(r, 0, 9)}-rc.${integer(r, 1, 4)}`,
    }),
    secrets: [],
  }),
  (r) => ({
    level: 'error',
    text: `TypeError: Cannot read properties of undefined (reading 'items')\n    at CartViewModel.total (app/src/cart/CartViewModel.ts:${integer(r, 10, 400)}:${integer(r, 5, 40)})\n    at renderCart (app/src/cart/CartScreen.tsx:${integer(r, 10, 200)}:${integer(r, 5, 30)})\n    at commitHookEffectListMount (node_modules/react-dom/cjs/react-dom.production.js:${integer(r, 1000, 9000)}:${integer(r, 5, 30)})`,
    secrets: [],
  }),
  (r) => ({
    level: 'info',
    text: `Feature flag new-checkout=${pick(r, ['true', 'false'])} for cohort ${pick(r, ['A', 'B', 'C'])} (rollout ${integer(r, 1, 100)}%), config etag W/"${hex(r, 16)}"`,
    secrets: [],
  }),
  (r) => ({
    level: 'warn',
    text: `Memory warning: ${integer(r, 200, 1900)} MB used of ${pick(r, ['2.0', '3.8', '5.6'])} GB; evicted ${integer(r, 1, 90)} images from cache`,
    secrets: [],
  }),
  (r) => ({
    level: 'info',
    text: `WebSocket reconnected to wss://realtime.example.com/socket?v=${integer(r, 1, 9)} after ${integer(r, 1, 8)} attempts (${integer(r, 100, 9000)} ms offline)`,
    secrets: [],
  }),
  (r) => ({
    level: 'debug',
    text: `User tapped "Place order" on screen ${pick(r, SCREENS)}; session length ${integer(r, 0, 3)}h ${integer(r, 0, 59)}m; cart has ${integer(r, 1, 12)} items totalling 12${integer(r, 0, 9)}.${integer(r, 10, 99)} EUR`,
    secrets: [],
  }),
  (r) => ({
    level: 'info',
    text: `Scheduled sync at ${timestamp(r).slice(0, 10)} 08:30:00 UTC, next run in 00:${integer(r, 10, 59)}:00, last took ${(r() * 9).toFixed(3)} s`,
    secrets: [],
  }),
  (r) => ({
    level: 'error',
    text: `HTTP 503 from inventory-service: upstream connect error or disconnect/reset before headers, retry-after=${integer(r, 1, 30)}, x-request-id=${uuid(r)}`,
    secrets: [],
  }),
  (r) => ({
    level: 'debug',
    text: `span ${hex(r, 16)} parent ${hex(r, 16)} "${pick(r, ['db.query', 'http.client', 'render'])}" finished in ${(r() * 90).toFixed(1)} ms`,
    secrets: [],
  }),
  (r) => ({
    level: 'info',
    text: `Downloaded asset bundle main.${hex(r, 8)}.js (${integer(r, 20, 900)} kB, sha256 ${hex(r, 64)}) from https://cdn.example.com/app/5.12.0/`,
    secrets: [],
  }),
  (r) => ({
    level: 'info',
    text: `Push token refreshed for installation ${uuid(r)} on ${pick(r, ['iOS 18.1', 'Android 15', 'iPadOS 17.6'])}, app 5.12.${integer(r, 0, 9)} (build ${integer(r, 1000, 9999)})`,
    secrets: [],
  }),
];

const sensitive: Template[] = [
  (r) => {
    const address = email(r);
    return { level: 'info', text: `Password reset requested for ${address} from screen ${pick(r, SCREENS)}`, secrets: [address] };
  },
  (r) => {
    const number = phone(r);
    return { level: 'info', text: `SMS verification code sent to ${number} (attempt ${integer(r, 1, 3)})`, secrets: [number] };
  },
  (r) => {
    const card = cardNumber(r);
    return { level: 'warn', text: `Payment declined for card ${card}: insufficient funds (order ORD-2026-${integer(r, 100000, 999999)})`, secrets: [card] };
  },
  (r) => {
    const ssn = `${integer(r, 100, 665)}-${String(integer(r, 1, 99)).padStart(2, '0')}-${String(integer(r, 1, 9999)).padStart(4, '0')}`;
    return { level: 'info', text: `KYC check for SSN ${ssn} returned status=match in ${integer(r, 100, 900)}ms`, secrets: [ssn] };
  },
  (r) => {
    const address = `${integer(r, 11, 223)}.${integer(r, 0, 255)}.${integer(r, 0, 255)}.${integer(r, 1, 254)}`;
    return { level: 'warn', text: `Login rejected for account ${integer(r, 10000, 99999)} from ${address}: too many attempts`, secrets: [address] };
  },
  (r) => {
    const address = `2001:db8:${hex(r, 4)}::${hex(r, 4)}:${hex(r, 4)}`;
    return { level: 'debug', text: `Client address ${address} resolved to region eu-west`, secrets: [address] };
  },
  (r) => {
    const token = jwt(r);
    return { level: 'debug', text: `Outgoing request headers: {"Accept":"application/json","Authorization":"Bearer ${token}"}`, secrets: [token] };
  },
  (r) => {
    const password = `${characters(r, ALPHANUMERIC, 10)}!${integer(r, 10, 99)}`;
    return { level: 'error', text: `db connect failed: host=db.internal port=5432 user=app password=${password} sslmode=require`, secrets: [password] };
  },
  (r) => {
    const token = `ghp_${characters(r, ALPHANUMERIC, 36)}`;
    return {
      level: 'info',
      text: JSON.stringify({ event: 'repo.sync', repository: 'mobile-app', token, durationMs: integer(r, 100, 5000) }),
      secrets: [token],
    };
  },
  (r) => {
    const key = `AKIA${characters(r, UPPER_ALPHANUMERIC, 16)}`;
    return { level: 'warn', text: `Using static AWS credentials ${key} for bucket uploads-prod (region eu-central-1)`, secrets: [key] };
  },
  (r) => {
    const token = `xoxb-${integer(r, 100000000000, 999999999999)}-${integer(r, 100000000000, 999999999999)}-${characters(r, ALPHANUMERIC, 24)}`;
    return { level: 'debug', text: `Posting alert to Slack with token ${token}`, secrets: [token] };
  },
  (r) => {
    const key = `sk_live_${characters(r, ALPHANUMERIC, 24)}`;
    return { level: 'error', text: `Stripe request failed (401) with api_key=${key}`, secrets: [key] };
  },
  (r) => {
    const password = characters(r, ALPHANUMERIC, 12);
    return { level: 'info', text: `Fetching https://admin:${password}@internal.example.com/reports/daily.csv`, secrets: [password] };
  },
  (r) => {
    const token = characters(r, ALPHANUMERIC, 32);
    return { level: 'debug', text: `GET https://api.example.com/v1/me?access_token=${token}&locale=en-GB 200 ${integer(r, 5, 90)}ms`, secrets: [token] };
  },
  (r) => {
    const account = iban(r);
    return { level: 'info', text: `Refund of 49.90 EUR queued to IBAN ${account}`, secrets: [account] };
  },
  (r) => {
    const body = characters(r, ALPHANUMERIC, 64);
    return {
      level: 'error',
      text: `Loaded signing key -----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY----- from keystore`,
      secrets: [body],
    };
  },
];

/** `count` lines, about one in five carrying personal data or a secret, always the same for a seed. */
export function realisticLogLines(count: number, seed = 20261122): LogLine[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const template = random() < 0.2 ? pick(random, sensitive) : pick(random, ordinary);
    const line = template(random);
    return { ...line, module: line.module ?? pick(random, MODULES) };
  });
}

export function utf8Bytes(lines: readonly { text: string }[]): number {
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line.text), 0);
}
