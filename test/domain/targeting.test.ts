// Which session a polling device gets, and the device credentials derived from one secret.
import { describe, expect, it } from 'vitest';
import { issueIngestToken, ProductKeyVerifier, productIngestKey, verifyIngestToken, verifyProductIngestKey } from '../../shared/domain/devices/credentials';
import { deviceConfigFor, entityTag, matchesIfNoneMatch } from '../../shared/domain/sessions/device-config';
import { createSessionRequestSchema, newSession, type DebugSession } from '../../shared/domain/sessions/session';
import { SessionTargetIndex, sessionTargetsPoll, type DevicePoll } from '../../shared/domain/sessions/targeting';
import { ingestStateOf } from '../../shared/adapters/caching/cached-session-state';
import { AppError } from '../../shared/errors';
import { DeviceTokenVerifier, verifyDeviceToken } from '../../shared/services/device-credentials';

const now = new Date('2026-11-22T10:00:00.000Z');
const secret = 'x'.repeat(40);

function session(target: Record<string, string>, extra: Partial<DebugSession> = {}): DebugSession {
  return { ...newSession(createSessionRequestSchema.parse({ productId: 'demo', ...target }), 'admin', now), ...extra };
}

function poll(fields: Partial<DevicePoll>): DevicePoll {
  return { productId: 'demo', ...fields };
}

describe('SessionTargetIndex', () => {
  const cases: Array<[string, Record<string, string>, Partial<DevicePoll>, boolean]> = [
    ['device target, same device', { targetDeviceId: 'd1' }, { deviceId: 'd1' }, true],
    ['device target, other device', { targetDeviceId: 'd1' }, { deviceId: 'd2' }, false],
    ['device target, other product', { targetDeviceId: 'd1' }, { deviceId: 'd1', productId: 'other' }, false],
    ['app session target', { targetSessionId: 's1' }, { appSessionId: 's1', deviceId: 'x' }, true],
    ['anonymous target', { targetAnonymousId: 'a1' }, { anonymousId: 'a1' }, true],
    ['user target, query userId only', { targetUserId: 'u1' }, { userId: 'u1' }, false],
    ['user target, verified token', { targetUserId: 'u1' }, { userId: 'u1', authenticatedUserId: 'u1' }, true],
    ['user target, token of another user', { targetUserId: 'u1' }, { authenticatedUserId: 'u2' }, false],
    ['user and device, both match', { targetUserId: 'u1', targetDeviceId: 'd1' }, { deviceId: 'd1', authenticatedUserId: 'u1' }, true],
    ['user and device, user missing', { targetUserId: 'u1', targetDeviceId: 'd1' }, { deviceId: 'd1' }, false],
  ];

  it.each(cases)('%s', (_name, target, fields, expected) => {
    const index = new SessionTargetIndex();
    const live = session(target);
    index.apply(live);
    expect(index.find(poll(fields), now)?.id).toBe(expected ? live.id : undefined);
  });

  it('drops sessions that end, and never serves an expired one', () => {
    const index = new SessionTargetIndex();
    const live = session({ targetDeviceId: 'd1' });
    index.apply(live);
    expect(index.find(poll({ deviceId: 'd1' }), new Date(Date.parse(live.expiresAt) + 1))).toBeUndefined();
    index.apply({ ...live, status: 'cancelled', updatedAt: '2026-11-22T10:01:00.000Z' });
    expect(index.size).toBe(0);
  });

  it('ignores an older copy arriving after a newer one', () => {
    const index = new SessionTargetIndex();
    const live = session({ targetDeviceId: 'd1' });
    index.apply({ ...live, status: 'cancelled', updatedAt: '2026-11-22T10:02:00.000Z' });
    index.apply(live);
    expect(index.find(poll({ deviceId: 'd1' }), now)).toBeUndefined();
  });

  it('prefers an active session over a paused one', () => {
    const index = new SessionTargetIndex();
    const paused = session({ targetDeviceId: 'd1' }, { status: 'paused' });
    const active = session({ targetDeviceId: 'd1' });
    index.apply(active);
    index.apply(paused);
    expect(index.find(poll({ deviceId: 'd1' }), now)?.id).toBe(active.id);
  });

  it('keeps the others filed under a target value as sessions on it end, one by one', () => {
    const index = new SessionTargetIndex();
    const at = (minute: number) => `2026-11-22T09:${String(minute).padStart(2, '0')}:00.000Z`;
    const sessions = [1, 2, 3].map((minute) => session({ targetDeviceId: 'd1' }, { createdAt: at(minute), updatedAt: at(minute) }));
    for (const live of sessions) index.apply(live);
    const ended = (live: DebugSession): DebugSession => ({ ...live, status: 'cancelled', updatedAt: at(30) });
    // The newest active session wins; as each ends, the next newest.
    for (const expected of [sessions[2]!, sessions[1]!, sessions[0]!]) {
      expect(index.find(poll({ deviceId: 'd1' }), now)?.id).toBe(expected.id);
      index.apply(ended(expected));
    }
    expect(index.find(poll({ deviceId: 'd1' }), now)).toBeUndefined();
    expect(index.size).toBe(0);
    // The target value is free again for a new session.
    const next = session({ targetDeviceId: 'd1' });
    index.apply(next);
    expect(index.find(poll({ deviceId: 'd1' }), now)?.id).toBe(next.id);
  });

  it('finds a session for every poll some live session targets, over a seeded run of sessions starting and ending', () => {
    // Few values, shared across products and kinds of target, so the index's hash pre-check and its maps see the same
    // value filed, removed and filed again under many keys: it must never hide a live target.
    let seed = 3;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    const values = ['v0', 'v1', 'v2', 'v3'];
    const fields = ['targetUserId', 'targetAnonymousId', 'targetDeviceId', 'targetSessionId'] as const;
    const index = new SessionTargetIndex();
    const live = new Map<string, DebugSession>();
    let minute = 0;
    const stamp = () => new Date(now.getTime() + ++minute * 1000).toISOString();
    for (let step = 0; step < 3_000; step++) {
      if (live.size > 0 && random() < 0.45) {
        const ending = pick([...live.values()]);
        live.delete(ending.id);
        index.apply({ ...ending, status: random() < 0.5 ? 'cancelled' : 'completed', updatedAt: stamp() });
      } else {
        const target = Object.fromEntries(fields.filter(() => random() < 0.4).map((field) => [field, pick(values)]));
        if (Object.keys(target).length === 0) target.targetDeviceId = pick(values);
        const started: DebugSession = { ...session(target), productId: pick(['demo', 'other']), status: pick(['active', 'paused']), updatedAt: stamp() };
        live.set(started.id, started);
        index.apply(started);
      }
      const asked = poll({
        productId: pick(['demo', 'other']),
        deviceId: pick(values),
        appSessionId: random() < 0.5 ? pick(values) : undefined,
        anonymousId: random() < 0.5 ? pick(values) : undefined,
        authenticatedUserId: random() < 0.5 ? pick(values) : undefined,
      });
      const targeting = [...live.values()].filter((candidate) => sessionTargetsPoll(candidate, asked)).map((candidate) => candidate.id);
      const found = index.find(asked, now)?.id;
      if (targeting.length === 0) expect(found, `step ${step}`).toBeUndefined();
      else expect(targeting, `step ${step}`).toContain(found);
    }
    expect(index.size).toBe(live.size);
  });

  it('keeps only what a poll and ingest read, and tells the device what the whole session would', () => {
    const index = new SessionTargetIndex();
    const variants: DebugSession[] = [
      session({ targetDeviceId: 'd1' }, { reason: 'checkout fails on iOS 18', tags: ['checkout', 'ios'] }),
      session({ targetDeviceId: 'd2', userConsent: 'prompt' }),
      session({ targetDeviceId: 'd3' }, { consent: { required: true, status: 'granted', decidedAt: '2026-11-22T09:59:00.000Z' } }),
      session({ targetAnonymousId: 'a1' }, { status: 'paused', pausedAt: '2026-11-22T09:58:00.000Z' }),
      session(
        { targetDeviceId: 'd4' },
        { trigger: { ruleId: 'tr_1', ruleName: 'crash loop', on: 'crash', signal: { kind: 'crash', fingerprint: 'fp_1', at: now.toISOString() } } },
      ),
      session({ targetUserId: 'u1', targetDeviceId: 'd5' }, { capture: { ...session({ targetDeviceId: 'd0' }).capture, network: true, screenshots: true } }),
      session(
        { targetSessionId: 's1' },
        { trigger: { ruleId: 'tr_2', ruleName: 'errors', on: 'error_threshold', signal: { kind: 'alert', at: now.toISOString() } } },
      ),
    ];
    for (const live of variants) index.apply(live);
    for (const live of variants) {
      const indexed = index.get(live.id)!;
      expect(Object.keys(indexed).sort()).toEqual(
        [
          'capture',
          'collectionLevel',
          'consent',
          'createdAt',
          'endedAt',
          'expiresAt',
          'id',
          'productId',
          'status',
          'targetAnonymousId',
          'targetDeviceId',
          'targetSessionId',
          'targetUserId',
          'trigger',
          'updatedAt',
        ].sort(),
      );
      expect(deviceConfigFor(indexed, 'tok', 5)).toEqual(deviceConfigFor(live, 'tok', 5));
      expect(ingestStateOf(indexed)).toEqual(ingestStateOf(live));
    }
  });

  it('holds equal capture flags and undecided consent once, frozen, and decided consent per session', () => {
    const index = new SessionTargetIndex();
    const decided = { required: true, status: 'granted', decidedAt: '2026-11-22T09:59:00.000Z' } as const;
    const [first, second, third] = [
      session({ targetDeviceId: 'd1' }),
      session({ targetDeviceId: 'd2' }),
      session({ targetDeviceId: 'd3' }, { consent: decided }),
    ];
    for (const live of [first!, second!, third!]) index.apply(live);
    const [one, two, three] = [first!, second!, third!].map((live) => index.get(live.id)!);
    expect(one!.capture).toBe(two!.capture);
    expect(one!.capture).not.toBe(first!.capture);
    expect(Object.isFrozen(one!.capture)).toBe(true);
    expect(one!.consent).toBe(two!.consent);
    expect(Object.isFrozen(one!.consent)).toBe(true);
    expect(three!.consent).toEqual(decided);
    expect(three!.consent).not.toBe(one!.consent);
  });

  it('shares capture flags only between equal sets of every flag, and keeps an odd set as it was stored', () => {
    const index = new SessionTargetIndex();
    const flags = session({ targetDeviceId: 'd0' }).capture;
    const { network: _dropped, ...olderDocument } = flags;
    const variants = [
      session({ targetDeviceId: 'd1' }, { capture: { ...flags, network: true } }),
      session({ targetDeviceId: 'd2' }, { capture: { ...flags, network: true } }),
      session({ targetDeviceId: 'd3' }, { capture: { ...flags, screenshots: true } }),
      // A document written before a flag existed, and one with a flag the schema does not know.
      session({ targetDeviceId: 'd4' }, { capture: olderDocument as typeof flags }),
      session({ targetDeviceId: 'd5' }, { capture: { ...flags, clipboard: true } as typeof flags }),
    ];
    for (const live of variants) index.apply(live);
    const [one, two, three, older, unknown] = variants.map((live) => index.get(live.id)!.capture);
    expect(one).toBe(two);
    expect(three).not.toBe(one);
    expect(three).toEqual({ ...flags, screenshots: true });
    expect(older).toEqual(olderDocument);
    expect(unknown).toEqual({ ...flags, clipboard: true });
    for (const capture of [one, three, older, unknown]) expect(Object.isFrozen(capture)).toBe(true);
  });
});

describe('device credentials', () => {
  it('derives a product key that verifies, and refuses a forged one', () => {
    const key = productIngestKey(secret, 'demo');
    expect(verifyProductIngestKey(secret, key)).toBe('demo');
    expect(verifyProductIngestKey(secret, key.replace('demo', 'other'))).toBeUndefined();
    expect(verifyProductIngestKey('y'.repeat(40), key)).toBeUndefined();
    expect(verifyProductIngestKey(secret, 'nonsense')).toBeUndefined();
  });

  it('the remembering verifier answers as verifyProductIngestKey does, for valid, forged and other-secret keys, again and again', () => {
    const verifier = new ProductKeyVerifier(secret, 2);
    const keys = [
      productIngestKey(secret, 'demo'),
      productIngestKey(secret, 'shop'),
      productIngestKey(secret, 'third'),
      productIngestKey(secret, 'demo').replace('demo', 'other'),
      productIngestKey('y'.repeat(40), 'demo'),
      'nonsense',
    ];
    // Three rounds over more valid keys than it keeps: hits, misses and the restart after the bound all agree.
    for (let round = 0; round < 3; round++) {
      for (const key of keys) expect(verifier.verify(key), key).toBe(verifyProductIngestKey(secret, key));
    }
    expect(new ProductKeyVerifier('y'.repeat(40)).verify(keys[0]!)).toBeUndefined();
  });

  it('issues a stable ingest token and checks signature and expiry', () => {
    const claims = { sid: 'ds_1', pid: 'demo', dev: 'device:d1', exp: Math.floor(now.getTime() / 1000) + 60 };
    const token = issueIngestToken(secret, claims);
    expect(issueIngestToken(secret, claims)).toBe(token);
    expect(verifyIngestToken(secret, token, now)).toEqual({ valid: true, claims });
    expect(verifyIngestToken(secret, token, new Date(now.getTime() + 61_000))).toEqual({ valid: false, reason: 'expired' });
    const [prefix, payload, signature] = token.split('.');
    const tampered = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, dev: 'device:d2' })).toString('base64url')}.${signature}`;
    expect(verifyIngestToken(secret, tampered, now)).toEqual({ valid: false, reason: 'bad_signature' });
    expect(verifyIngestToken(secret, `${prefix}.${payload}`, now)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('the remembering token verifier answers as verifyDeviceToken does, also once a remembered token expires', () => {
    let at = now;
    const verifier = new DeviceTokenVerifier(secret, { now: () => at }, 2);
    const claims = (sid: string, pid = 'demo', ttlSeconds = 60) => ({ sid, pid, dev: 'device:d1', exp: Math.floor(now.getTime() / 1000) + ttlSeconds });
    const valid = [
      issueIngestToken(secret, claims('ds_1')),
      issueIngestToken(secret, claims('ds_2', 'demo', 600)),
      issueIngestToken(secret, claims('ds_3', 'shop')),
    ];
    const [prefix, payload] = valid[0]!.split('.');
    const tokens = [...valid, `${prefix}.${payload}.${'A'.repeat(43)}`, issueIngestToken('y'.repeat(40), claims('ds_4')), 'nonsense', undefined];
    const outcome = (check: () => unknown) => {
      try {
        return check();
      } catch (error) {
        return error instanceof AppError ? `${error.kind}: ${error.message}` : error;
      }
    };
    // Rounds over more valid tokens than it keeps, for both products, then past the first token's expiry.
    for (const time of [now, now, new Date(now.getTime() + 61_000), new Date(now.getTime() + 61_000)]) {
      at = time;
      for (const token of tokens) {
        for (const productId of ['demo', 'shop']) {
          expect(
            outcome(() => verifier.verify(token, productId)),
            `${token} for ${productId} at ${time.toISOString()}`,
          ).toEqual(outcome(() => verifyDeviceToken(secret, token, productId, time)));
        }
      }
    }
  });
});

describe('device config and ETags', () => {
  it('says consent is required until granted', () => {
    const prompting = session({ targetDeviceId: 'd1' });
    expect(deviceConfigFor(prompting, 'tok', 5).session?.consentRequired).toBe(true);
    const granted = { ...prompting, consent: { required: true, status: 'granted' as const } };
    expect(deviceConfigFor(granted, 'tok', 5).session?.consentRequired).toBe(false);
    expect(deviceConfigFor(undefined, undefined, 5)).toEqual({ active: false, pollIntervalSeconds: 5 });
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    const tag = entityTag({ a: 1 });
    expect(entityTag({ a: 1 })).toBe(tag);
    expect(entityTag({ a: 2 })).not.toBe(tag);
    expect(matchesIfNoneMatch(`"other", ${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch(`W/${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch('*', tag)).toBe(true);
    expect(matchesIfNoneMatch('"other"', tag)).toBe(false);
    expect(matchesIfNoneMatch(undefined, tag)).toBe(false);
  });
});
