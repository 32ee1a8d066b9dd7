// Secrets told by their shape without a keyword: any vendor's `<prefix><separator><random body>` (prefixed_token),
// a random token that is a field's whole value (high_entropy_value), and the look-alikes that must stay byte-identical
// (prefixed object ids, hex ids, UUIDs, identifiers, file names, pod names, typed-out alphabets).
import { describe, expect, it } from 'vitest';
import { loadMaskingEngine } from '../../shared/config/masking-rules';
import { looksRandomBody } from '../../shared/domain/masking/validators';

const engine = loadMaskingEngine();

describe('prefixed tokens of any vendor', () => {
  it.each([
    ['using key pnu_k3j9x0q2m8w4z7r1t5y6u0p9a8s7d6f5g4h3 for upload', 'using key [SECRET] for upload'],
    ['{"value":"sm_pat_q2w7e4r9t1y6u3i8"}', '{"value":"[SECRET]"}'],
    ['retrying with rdme_x8k2m4n6b1v3c5z7q9w0e2r4t6y8u1i3o5p7a9s2d4f6g8h0j1k3l5z7x9c2v4b6n8m1 now', 'retrying with [SECRET] now'],
    ['header xkeysib-3f2a9c0d1e7b4a6c8d0e2f4a6b8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d-Qm7Rt2Wx9Kp4Zn6B', 'header [SECRET]'],
    ['DT_TOKEN dt0c01.K7QW2ZR4XNMB8PL3TY6VHJ5D.Q2W7E4R9T1Y6U3I8O5P0A2S7D4F9G1H6J3K8L5Z0X2C7V4B9N1M6Q3W8E5R0T2Y7U4I9O1P6A3S8D5F0G2H7', 'DT_TOKEN [SECRET]'],
    ['kubeconfig user sha256~Xk3p9Qz_L2mN8vB4tR7yW1cF6hJ0dS5gA9eK3uI2oP7 ok', 'kubeconfig user [SECRET] ok'],
    ['key: NRJS-Rb7Kq2Wz9Xm4Tp6Vn1Ls3Hd8Fg5Jc0', 'key: [SECRET]'],
    ['flutter FLWSECK_TEST-Rb7Kq2Wz9Xm4Tp6Vn1Ls3Hd8-X and more', 'flutter [SECRET] and more'],
    // A sentence's full stop stays outside.
    ['Your token is pplx-Zq7Lm2Np9Rs4Tv1Wy6Zb3Cd8Ef5Gh0Ij7Kl2Mn9Pq4Rs.', 'Your token is [SECRET].'],
  ])('%s', (text, expected) => {
    const result = engine.maskText(text);
    expect(result.text).toBe(expected);
    expect(result.rules).toEqual(['prefixed_token']);
  });

  it('masks a prefixed token held whole by a field, remarking the field', () => {
    expect(engine.maskValue({ integration: { value: 'ntn_4k9Xq2Lm7Rp3Zt8Wv1Bn6Cy5Dj0Fh2Gs9Kq4Pm7' } })).toEqual({
      value: { integration: { value: '[SECRET]' } },
      redaction: { fieldsRedacted: ['integration.value'], patternsMatched: ['prefixed_token'], count: 1 },
    });
  });

  it.each([
    // Identifiers, flags, builds and counters.
    'user_profile_settings_controller',
    'feature-flag-new-checkout-v2',
    'build-2024-11-05-rc1',
    'order_12345678',
    'ChromeDriver_120_0_6099',
    'class="btn-primary btn-lg css-1q2w3e4 MuiButton-root"',
    // Hex bodies are ids and hashes (request ids, trace ids, digests), whatever prefixes them.
    'request req-3f2a9c0d1e7b4a6c8d0e2f4a6b8c0d1e done',
    'trace-0af7651916cd43dd8448eb211c80319c',
    'shippo_live_0af76519a3c4e5f6071829304a5b6c7d8e9f0a1b',
    'image sha256:4bf92f3577b34da6a3ce929d0e0e47364bf92f3577b34da6a3ce929d0e0e4736 pulled',
    // UUIDs with a prefix.
    'usr_550e8400-e29b-41d4-a716-446655440000',
    // Prefixed object ids of a payment provider and of ULID/KSUID schemes: short bodies after a one-part prefix.
    'customer cus_NffrFeUfNV2Hib charged',
    'charge ch_3MmlLrLkdIwHu7ix0snN0B15 succeeded',
    'user user_2NNEqL2nrIRdJ194ndJqAHwEfxC signed in',
    'usr_01HGW2N7ZB4YQ8K3M5P9R6T1VX created',
    // Names with parts: hosts, pods, file names, camel-case paths.
    'ip-10-0-12-34.eu-west-1.compute.internal',
    'pod payment-service-7d9f8b6c5d-x2k9p ready',
    'pod very-long-service-name-worker-7d9f8b6c5d-x2k9p ready',
    'firmware R21A-A-V010SP13RC181024R16900-CN-B_250K-Release-OTA-97B6C6C59241976086FABDC41472150C.bfu',
    'IMG_20240105_123456.jpg and app-release-v2.3.1.apk',
    'at app/src/cart/CartViewModel.kt:42',
    // Base64 payloads (standard alphabet: no separator of ours inside).
    'payload eyJ2ZXJzaW9uIjoxLCJpdGVtcyI6W3siaWQiOjF9XX0 and data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB',
    // Typed-out runs are not random.
    'abc_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ])('leaves %s alone', (text) => {
    const result = engine.maskText(text);
    expect(result.text).toBe(text);
    expect(result.rules).toEqual([]);
  });

  it('reads the body: 30 characters after a plain prefix, 15 after a two-part or secret-word prefix', () => {
    expect(looksRandomBody('Kq2Wz9Xm4Tp6Vn1Ls3Hd8Fg5Jc0Rb7Q', 30)).toBe(true);
    expect(looksRandomBody('Kq2Wz9Xm4Tp6Vn1Ls3Hd8Fg5', 30)).toBe(false);
    expect(looksRandomBody('q2w7e4r9t1y6u3i8', 15)).toBe(true);
    expect(looksRandomBody('settings_controller_v2', 15)).toBe(false);
    expect(looksRandomBody('3f2a9c0d1e7b4a6c8d0e2f4a6b8c0d1e', 15)).toBe(false);
  });

  it('tells drawn letters of one case that happen to be a third vowels from words, by their consonant pairs', () => {
    // Vowel-rich by chance, yet `fc`, `cd`, `zm`, `bh`, `hl` are pairs no word has.
    expect(looksRandomBody('lfcdouoovayoxyzmobhlsill5h', 15)).toBe(true);
    expect(engine.maskText('pasted mishg2_live_lfcdouoovayoxyzmobhlsill5h. ok').text).toBe('pasted [SECRET]. ok');
    // Words of one case with a number stay: their consonants pair as words do.
    for (const body of ['unicodeconverter2024', 'sha256withrsaencryption', 'kubernetesdeployment2', 'sessiontimeoutminutes30']) {
      expect(looksRandomBody(body, 15), body).toBe(false);
      expect(engine.maskText(`app_beta_${body}`).text).toBe(`app_beta_${body}`);
    }
  });
});

describe('random tokens held whole by a field', () => {
  it('masks the whole value as it masks one after `=` or `:`, in maskValue and in maskText', () => {
    const token = 'Zq7Lm2Np9Rs4Tv1Wy6Zb3Cd8Ef5Gh0Ij7Kl2Mn9';
    expect(engine.maskValue({ value: token })).toEqual({
      value: { value: '[SECRET]' },
      redaction: { fieldsRedacted: ['value'], patternsMatched: ['high_entropy_value'], count: 1 },
    });
    expect(engine.maskText(token)).toEqual({ text: '[SECRET]', rules: ['high_entropy_value'], count: 1 });
    expect(engine.maskText(` ${token}\n`).text).toBe(' [SECRET]\n');
    // The same JSON as raw text was caught already, after the quote.
    expect(engine.maskText(JSON.stringify({ value: token })).text).toBe('{"value":"[SECRET]"}');
  });

  it('masks a whole token in which a part looks like an IBAN that fails its check', () => {
    // `EU13…` and `OY49…` begin parts of these tokens; the IBAN look-alike's keep rule must not claim them.
    for (const token of ['-EU13H5J7I81v67vfR-4a4mBnfCxQcwtjJoMgssbVpejnYlnWciJgm9', 'k4C_lQkmqvd98-PuEFJtVNQqEOIC8-OY49DNVkA7e0MbOWxx_JNU5MbQ5']) {
      expect(engine.maskText(` ${token}\n`)).toEqual({ text: ' [SECRET]\n', rules: ['high_entropy_value'], count: 1 });
    }
    // An IBAN-shaped run on its own is still kept, not masked as a card or a phone.
    expect(engine.maskText('ref GB12ABCD12345612345678 failed').text).toBe('ref GB12ABCD12345612345678 failed');
  });

  it.each([
    // A token at the start of running text is not a whole value.
    'Zq7Lm2Np9Rs4Tv1Wy6Zb3Cd8Ef5Gh0Ij7Kl2Mn9 started',
    // Identifiers, dotted names, paths, hex, base64 media and typed-out alphabets.
    'UITableViewCellAccessoryDisclosureIndicator',
    'com.example.app.MainActivity',
    '/api/v2/orders/Ab3dEf9/items',
    '4bf92f3577b34da6a3ce929d0e0e4736',
    '550e8400-e29b-41d4-a716-446655440000',
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)',
    '2026-12-06T23:45:40.123Z',
  ])('leaves %s alone as a whole value', (text) => {
    expect(engine.maskValue({ value: text }).value).toEqual({ value: text });
    expect(engine.maskText(text).text).toBe(text);
  });

  it('leaves a typed-out alphabet alone after `=` too', () => {
    const text = 'const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"';
    expect(engine.maskText(text).text).toBe(text);
  });
});

describe('vendor prefixes followed by words', () => {
  it('leaves an Objective-C selector after `hf_` alone and masks a real-looking token of that vendor', () => {
    const selector = '(id)hf_requestedDisplayCharacteristicTypesForMeta';
    expect(engine.maskText(selector).text).toBe(selector);
    expect(engine.maskText('token 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 set')).toEqual({
      text: 'token [SECRET] set',
      rules: ['vendor_token'],
      count: 1,
    });
  });
});

describe('JWTs wrapped in base64', () => {
  const base64url = (value: string) => Buffer.from(value).toString('base64url');
  const jwt = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url('{"sub":"device-42","iat":1760000000}')}.${base64url('q7Lm2Np9Rs4Tv1Wy6Zb3Cd8Ef5Gh0Ij7')}`;
  const wrapped = Buffer.from(jwt).toString('base64');

  it('masks one in a Kubernetes Secret’s data, as a JWT', () => {
    expect(wrapped.startsWith('ZXlK')).toBe(true);
    expect(engine.maskText(`data:\n  token: ${wrapped}\n  ca.crt: LS0tLS1CRUdJTg==`)).toEqual({
      text: 'data:\n  token: [JWT]\n  ca.crt: LS0tLS1CRUdJTg==',
      rules: ['jwt_base64'],
      count: 1,
    });
  });

  it('leaves base64 of other JSON starting the same way alone', () => {
    const json = Buffer.from('eyJ is how {"a": 1, "b": "two", "c": [3, 4, 5]} starts').toString('base64');
    expect(json.startsWith('ZXlK')).toBe(true);
    const text = `payload ${json} end`;
    expect(engine.maskText(text).text).toBe(text);
  });
});
