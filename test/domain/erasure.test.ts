// The pure parts of per-user erasure: the request schema, the state machine, the batching plan, the certificate and
// the subject's keyed forms (hash, erasure id, fingerprint, seal), table-driven.
import { describe, expect, it } from 'vitest';
import {
  advanceCursor,
  buildCertificate,
  canTransition,
  chunksOf,
  createErasureRequestSchema,
  erasureStates,
  erasureStoreNames,
  erasureView,
  freshRefs,
  lookupsPerPass,
  MAX_PASSES,
  newErasure,
  sessionChunk,
  settleCursor,
  transition,
  type ErasureState,
  type PlannedStore,
} from '../../shared/domain/privacy/erasure';
import {
  deriveSubjectKeys,
  erasureIdOf,
  requestFingerprint,
  sealSubject,
  subjectHash,
  subjectHashes,
  unsealSubject,
} from '../../shared/domain/privacy/subject-keys';

const keys = deriveSubjectKeys('a-test-secret-that-is-long-enough-for-hmac');
const now = new Date('2026-12-05T12:00:00.000Z');

function record(overrides: Partial<ReturnType<typeof newErasure>> = {}) {
  const request = createErasureRequestSchema.parse({ productId: 'demo', userId: 'jane', requestId: 'T-1' });
  const id = erasureIdOf(keys, 'demo', 'T-1');
  return {
    ...newErasure({
      id,
      request,
      requestFingerprint: requestFingerprint(keys, request),
      subject: subjectHashes(keys, 'demo', request),
      sealedSubject: sealSubject(keys, id, { userId: 'jane' }),
      requestedBy: 'admin-1',
      now,
    }),
    ...overrides,
  };
}

describe('the erasure request', () => {
  it.each([
    ['a user', { productId: 'demo', userId: 'u1', requestId: 'T-1' }, undefined],
    [
      'a device and an anonymous id, with a range',
      { productId: 'demo', deviceId: 'd1', anonymousId: 'a1', requestId: 'JIRA-12', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
      undefined,
    ],
    ['no subject', { productId: 'demo', requestId: 'T-1' }, 'userId'],
    ['no request id', { productId: 'demo', userId: 'u1' }, 'requestId'],
    ['an empty user id', { productId: 'demo', userId: ' ', requestId: 'T-1' }, 'userId'],
    ['a user id with spaces', { productId: 'demo', userId: 'jane doe', requestId: 'T-1' }, 'userId'],
    ['a range backwards', { productId: 'demo', userId: 'u1', requestId: 'T-1', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from'],
    ['a bad product', { productId: 'Demo!', userId: 'u1', requestId: 'T-1' }, 'productId'],
  ])('%s', (_name, input, failingField) => {
    const parsed = createErasureRequestSchema.safeParse(input);
    if (failingField === undefined) expect(parsed.success).toBe(true);
    else expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(failingField);
  });
});

describe('the state machine', () => {
  const allowed: Array<[ErasureState, ErasureState]> = [
    ['pending', 'deleting'],
    ['pending', 'failed'],
    ['deleting', 'verifying'],
    ['deleting', 'failed'],
    ['verifying', 'deleting'],
    ['verifying', 'completed'],
    ['verifying', 'failed'],
  ];
  for (const from of erasureStates) {
    for (const to of erasureStates) {
      const expected = allowed.some(([a, b]) => a === from && b === to);
      it(`${from} → ${to}: ${expected ? 'allowed' : 'refused'}`, () => expect(canTransition(from, to)).toBe(expected));
    }
  }

  it('starts a pass at the first store when deleting begins, and counts passes', () => {
    const deleting = transition({ ...record(), cursor: { store: 3, chunk: 2 } }, 'deleting', now);
    expect(deleting).toMatchObject({ state: 'deleting', pass: 1, cursor: { store: 0, chunk: 0 }, startedAt: now.toISOString() });
    const again = transition(transition(deleting, 'verifying', now), 'deleting', new Date(now.getTime() + 1000));
    expect(again.pass).toBe(2);
    expect(again.startedAt).toBe(now.toISOString());
  });

  it('drops the sealed subject and any pending batch once finished', () => {
    const finished = transition(
      { ...record(), state: 'verifying', pending: { store: 'logs', count: 1, sealedRefs: 'v1.x' }, lastErased: { logs: ['abc'] } },
      'completed',
      now,
    );
    expect(finished.sealedSubject).toBeUndefined();
    expect(finished.pending).toBeUndefined();
    expect(finished.lastErased).toEqual({});
    expect(finished.finishedAt).toBe(now.toISOString());
  });

  it('refuses to leave a finished state', () => {
    expect(() => transition({ ...record(), state: 'completed' }, 'deleting', now)).toThrow(/cannot go from completed/);
    expect(MAX_PASSES).toBeGreaterThanOrEqual(2);
  });
});

describe('the batching plan', () => {
  const plan: PlannedStore[] = [
    { name: 'logs', scope: 'sessions' },
    { name: 'deviceSignals', scope: 'subject' },
    { name: 'sessions', scope: 'sessions' },
  ];

  it.each([
    ['sessions', 0, 0],
    ['sessions', 1, 1],
    ['sessions', 100, 1],
    ['sessions', 101, 2],
    ['sessions', 5000, 50],
    ['subject', 0, 1],
    ['subject', 5000, 1],
  ] as const)('a %s store over %i sessions needs %i lookups', (scope, sessions, chunks) => expect(chunksOf(scope, sessions)).toBe(chunks));

  it('walks every chunk of every store, skipping stores with nothing to look at', () => {
    const visited: string[] = [];
    let cursor = settleCursor(plan, 150, { store: 0, chunk: 0 });
    while (cursor) {
      visited.push(`${plan[cursor.store]!.name}:${cursor.chunk}`);
      cursor = advanceCursor(plan, 150, cursor);
    }
    expect(visited).toEqual(['logs:0', 'logs:1', 'deviceSignals:0', 'sessions:0', 'sessions:1']);
    expect(lookupsPerPass(plan, 150)).toBe(visited.length);
  });

  it('with no sessions, only the stores looked up by the subject are visited', () => {
    expect(settleCursor(plan, 0, { store: 0, chunk: 0 })).toEqual({ store: 1, chunk: 0 });
    expect(advanceCursor(plan, 0, { store: 1, chunk: 0 })).toBeUndefined();
  });

  it('never hands a store what it was just told to erase', () => {
    const hashOf = (ref: string) => `h:${ref}`;
    const listed = [
      { ref: 'a', count: 1 },
      { ref: 'b', count: 1 },
      { ref: 'c', count: 1 },
    ];
    expect(freshRefs(listed, undefined, hashOf)).toEqual(listed);
    expect(freshRefs(listed, ['h:a', 'h:c'], hashOf)).toEqual([{ ref: 'b', count: 1 }]);
    expect(freshRefs(listed, ['h:a', 'h:b', 'h:c'], hashOf)).toEqual([]);
  });

  it('cuts the session list into chunks of 100', () => {
    const ids = Array.from({ length: 230 }, (_, index) => `s${index}`);
    expect(sessionChunk(ids, 0)).toHaveLength(100);
    expect(sessionChunk(ids, 2)).toEqual(ids.slice(200));
    expect(sessionChunk(ids, 3)).toEqual([]);
  });
});

describe('the certificate', () => {
  it('states every store, who asked and ran it, the hashed subject and what stays by design', () => {
    const done = {
      ...record({ state: 'verifying', startedAt: '2026-12-05T12:00:01.000Z', sessionIds: ['ds_a', 'ds_b'] }),
      deleted: { logs: 20, sessions: 2, auditRecords: 3 },
    };
    const certificate = buildCertificate(done, {
      performedBy: { service: 'remote-diagnostics', identity: 'managed-identity:x', instance: 'i-1' },
      finishedAt: new Date('2026-12-05T12:00:09.000Z'),
      remaining: {},
      retention: { cosmosBackupRetentionDays: 7, blobSoftDeleteDays: 14 },
    });
    expect(Object.keys(certificate.deleted).sort()).toEqual([...erasureStoreNames].sort());
    expect(certificate).toMatchObject({
      requestedBy: 'admin-1',
      sessions: 2,
      startedAt: '2026-12-05T12:00:01.000Z',
      finishedAt: '2026-12-05T12:00:09.000Z',
      deleted: { logs: 20, sessions: 2, auditRecords: 3, spans: 0 },
      subjectHashAlgorithm: 'HMAC-SHA256',
    });
    expect(certificate.subject.userId).toBe(subjectHash(keys, 'demo', 'userId', 'jane'));
    expect(certificate.retainedByDesign).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ what: 'Cosmos DB continuous backup', durationDays: 7 }),
        expect.objectContaining({ what: 'Blob Storage soft delete', durationDays: 14 }),
      ]),
    );
    expect(JSON.stringify(certificate)).not.toContain('jane');
  });

  it('the view never shows the sealed subject', () => {
    const view = erasureView(record());
    expect(JSON.stringify(view)).not.toContain(record().sealedSubject!);
    expect(view).toMatchObject({ state: 'pending', subject: { userId: expect.stringMatching(/^hmac-sha256:/) } });
  });
});

describe('the subject keys', () => {
  it('hash the same identifier the same way, per product and kind, and never in clear', () => {
    const hash = subjectHash(keys, 'demo', 'userId', 'jane');
    expect(hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(subjectHash(keys, 'demo', 'userId', 'jane')).toBe(hash);
    expect(subjectHash(keys, 'other', 'userId', 'jane')).not.toBe(hash);
    expect(subjectHash(keys, 'demo', 'deviceId', 'jane')).not.toBe(hash);
    expect(subjectHash(deriveSubjectKeys('another-secret-that-is-long-enough-too'), 'demo', 'userId', 'jane')).not.toBe(hash);
  });

  it('derive one erasure id per (product, requestId), and a fingerprint that tells request bodies apart', () => {
    expect(erasureIdOf(keys, 'demo', 'T-1')).toMatch(/^er_[0-9a-f]{32}$/);
    expect(erasureIdOf(keys, 'demo', 'T-1')).toBe(erasureIdOf(keys, 'demo', 'T-1'));
    expect(erasureIdOf(keys, 'demo', 'T-2')).not.toBe(erasureIdOf(keys, 'demo', 'T-1'));
    const base = createErasureRequestSchema.parse({ productId: 'demo', userId: 'jane', requestId: 'T-1' });
    expect(requestFingerprint(keys, base)).toBe(requestFingerprint(keys, { ...base }));
    expect(requestFingerprint(keys, { ...base, userId: 'john' })).not.toBe(requestFingerprint(keys, base));
    // The same instant written two ways is the same request.
    expect(requestFingerprint(keys, { ...base, from: '2026-01-01T01:00:00+01:00' })).toBe(requestFingerprint(keys, { ...base, from: '2026-01-01T00:00:00Z' }));
  });

  it('seal the subject to its erasure: round trip, no clear text, and no use on another record or after tampering', () => {
    const sealed = sealSubject(keys, 'er_1', { userId: 'jane', deviceId: 'dev-7' });
    expect(sealed).not.toContain('jane');
    expect(unsealSubject(keys, 'er_1', sealed)).toEqual({ userId: 'jane', deviceId: 'dev-7' });
    expect(() => unsealSubject(keys, 'er_2', sealed)).toThrow();
    const parts = sealed.split('.');
    const tampered = [...parts.slice(0, 3), `${parts[3]!.slice(0, -2)}AA`].join('.');
    expect(() => unsealSubject(keys, 'er_1', tampered)).toThrow();
    expect(() => unsealSubject(keys, 'er_1', 'nonsense')).toThrow();
  });
});
