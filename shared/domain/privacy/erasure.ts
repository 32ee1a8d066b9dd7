// Per-user erasure (GDPR Art. 17): the request, the record that carries its progress, the state machine, the
// batching plan and the certificate. Pure: the service drives it, the stores do the deleting.
import { z } from 'zod';
import { productIdSchema, targetIdentifierSchema } from '../sessions/session';

/** The same characters a session target may use: a subject is matched against those fields. */
const subjectIdentifier = targetIdentifierSchema;
const isoTime = z.iso.datetime({ offset: true });

export const subjectKinds = ['userId', 'anonymousId', 'deviceId'] as const;
export type SubjectKind = (typeof subjectKinds)[number];

export const erasureSubjectSchema = z.object({
  userId: subjectIdentifier.optional(),
  anonymousId: subjectIdentifier.optional(),
  deviceId: subjectIdentifier.optional(),
});
/** The subject in clear: held in memory while a step runs, sealed at rest, never logged. */
export type ErasureSubject = z.infer<typeof erasureSubjectSchema>;

export const createErasureRequestSchema = erasureSubjectSchema
  .extend({
    productId: productIdSchema,
    /** The caller's own ticket id: the same one again answers the same erasure. */
    requestId: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .regex(/^[\w.:#/-]+$/, 'letters, digits and . : # / - _ only'),
    /** Only sessions created in [from, to) are erased; either end may be left open. */
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .strict()
  .refine((input) => subjectKinds.some((kind) => input[kind] !== undefined), {
    message: 'give at least one of userId, anonymousId, deviceId',
    path: ['userId'],
  })
  .refine((input) => input.from === undefined || input.to === undefined || Date.parse(input.from) < Date.parse(input.to), {
    message: 'from must be before to',
    path: ['from'],
  });
export type CreateErasureRequest = z.infer<typeof createErasureRequestSchema>;

export const erasureIdSchema = z.string().regex(/^er_[0-9a-f]{32}$/, 'an erasure id looks like er_<32 hex>');

export const erasureStates = ['pending', 'deleting', 'verifying', 'completed', 'failed'] as const;
export const erasureStateSchema = z.enum(erasureStates);
export type ErasureState = z.infer<typeof erasureStateSchema>;

/**
 * `verifying → deleting` is a second pass: something was still there (a partition delete the service finishes in
 * the background, an item written while the first pass ran). After MAX_PASSES the erasure fails loudly instead.
 */
const transitions: Record<ErasureState, readonly ErasureState[]> = {
  pending: ['deleting', 'failed'],
  deleting: ['verifying', 'failed'],
  verifying: ['deleting', 'completed', 'failed'],
  completed: [],
  failed: [],
};

export const MAX_PASSES = 3;

export function canTransition(from: ErasureState, to: ErasureState): boolean {
  return transitions[from].includes(to);
}

export function isFinished(state: ErasureState): boolean {
  return state === 'completed' || state === 'failed';
}

/**
 * Every place the subject's data can be, in the order they are emptied: the session documents last, so an erasure
 * interrupted midway can still find what belongs to the sessions it resolved. `audit` is rewritten, not deleted.
 */
export const erasureStoreNames = [
  'logs',
  'spans',
  'screenshotRecords',
  'screenshotBlobs',
  'reportRecords',
  'reportBlobs',
  'exportBlobs',
  'idempotencyRecords',
  'outboxRecords',
  'deadLetters',
  'userSessionIndex',
  'deviceSignals',
  'auditRecords',
  'sessions',
] as const;
export const erasureStoreNameSchema = z.enum(erasureStoreNames);
export type ErasureStoreName = z.infer<typeof erasureStoreNameSchema>;

/** `sessions`: a store looked up by the sessions the erasure resolved, in chunks; `subject`: by the subject itself. */
export type ErasureScopeKind = 'sessions' | 'subject';

/** At most this many items are deleted per step, and at most this many session ids go into one lookup. */
export const MAX_ITEMS_PER_STEP = 100;
export const SESSIONS_PER_CHUNK = 100;
/** An erasure resolves at most this many sessions; a subject with more is refused (split it with from/to). */
export const MAX_SESSIONS = 5_000;

/** Where the deleting pass stands: which store, which chunk of sessions. */
export const erasureCursorSchema = z.object({ store: z.number().int().nonnegative(), chunk: z.number().int().nonnegative() });
export type ErasureCursor = z.infer<typeof erasureCursorSchema>;

/** One thing a store will erase: an opaque reference and how many items it stands for. */
export const erasableRefSchema = z.object({ ref: z.string(), count: z.number().int().positive() });
export const erasableRefsSchema = z.array(erasableRefSchema).max(MAX_ITEMS_PER_STEP);

/**
 * References listed and about to be erased: persisted first, so a crash between deleting and counting loses no count.
 * Sealed like the subject: a reference can name it (a per-user index partition, a device's signal document).
 */
export const pendingBatchSchema = z.object({
  store: erasureStoreNameSchema,
  count: z.number().int().nonnegative(),
  sealedRefs: z.string(),
});
export type PendingBatch = z.infer<typeof pendingBatchSchema>;

const countsSchema = z.partialRecord(erasureStoreNameSchema, z.number().int().nonnegative());
export type StoreCounts = z.infer<typeof countsSchema>;

/** The subject's identifiers as keyed hashes (HMAC-SHA256), the only form in which the subject is kept. */
export const subjectHashesSchema = z.partialRecord(z.enum(subjectKinds), z.string());
export type SubjectHashes = z.infer<typeof subjectHashesSchema>;

export const retainedByDesignSchema = z.object({ what: z.string(), keeps: z.string(), durationDays: z.number().nonnegative().optional() });

export const erasureCertificateSchema = z.object({
  erasureId: z.string(),
  productId: z.string(),
  requestId: z.string(),
  /** The principal subject of the admin who asked. */
  requestedBy: z.string(),
  requestedAt: z.string(),
  /** The service identity and instance that did the work. */
  performedBy: z.object({ service: z.string(), identity: z.string(), instance: z.string() }),
  subject: subjectHashesSchema,
  subjectHashAlgorithm: z.literal('HMAC-SHA256'),
  range: z.object({ from: z.string().optional(), to: z.string().optional() }),
  sessions: z.number().int().nonnegative(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Items deleted per store (audit records: rewritten to the hashed subject). */
  deleted: countsSchema,
  remaining: countsSchema,
  retainedByDesign: z.array(retainedByDesignSchema),
});
export type ErasureCertificate = z.infer<typeof erasureCertificateSchema>;

export const ERASURE_SCHEMA_VERSION = 1;

/** `erasures` (pk /id). Holds no identifier of the subject in clear: hashes, and the sealed subject until finished. */
export const erasureRecordSchema = z.object({
  id: erasureIdSchema,
  schemaVersion: z.literal(ERASURE_SCHEMA_VERSION),
  productId: z.string(),
  requestId: z.string(),
  /** Keyed hash of the whole request: the same requestId with another body is a conflict. */
  requestFingerprint: z.string(),
  subject: subjectHashesSchema,
  /** AES-256-GCM of the subject, for the worker; removed once the erasure is finished. */
  sealedSubject: z.string().optional(),
  range: z.object({ from: z.string().optional(), to: z.string().optional() }),
  state: erasureStateSchema,
  requestedBy: z.string(),
  requestedAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Resolved once, at the start: the subject's sessions created before the request. Later ones are not touched. */
  sessionIds: z.array(z.string()).max(MAX_SESSIONS).optional(),
  /** Running sessions among them, cancelled through the session service before anything is deleted. */
  cancelled: z.number().int().nonnegative().default(0),
  pass: z.number().int().nonnegative().default(0),
  cursor: erasureCursorSchema.default({ store: 0, chunk: 0 }),
  pending: pendingBatchSchema.optional(),
  /**
   * The references each store erased last. A store that lists them again did not delete them (or is still deleting
   * them in the background): they are not erased or counted twice, the pass moves on and verification judges.
   */
  lastErased: z.partialRecord(erasureStoreNameSchema, z.array(z.string().max(64)).max(MAX_ITEMS_PER_STEP)).default({}),
  deleted: countsSchema.default({}),
  remaining: countsSchema.optional(),
  /** Why it failed, in our words (never customer content). */
  failure: z.string().optional(),
  certificate: erasureCertificateSchema.optional(),
});
export type ErasureRecord = z.infer<typeof erasureRecordSchema>;

export function newErasure(fields: {
  id: string;
  request: CreateErasureRequest;
  requestFingerprint: string;
  subject: SubjectHashes;
  sealedSubject: string;
  requestedBy: string;
  now: Date;
}): ErasureRecord {
  const at = fields.now.toISOString();
  return {
    id: fields.id,
    schemaVersion: ERASURE_SCHEMA_VERSION,
    productId: fields.request.productId,
    requestId: fields.request.requestId,
    requestFingerprint: fields.requestFingerprint,
    subject: fields.subject,
    sealedSubject: fields.sealedSubject,
    range: { from: fields.request.from, to: fields.request.to },
    state: 'pending',
    requestedBy: fields.requestedBy,
    requestedAt: at,
    updatedAt: at,
    cancelled: 0,
    pass: 0,
    cursor: { store: 0, chunk: 0 },
    lastErased: {},
    deleted: {},
  };
}

export function transition(record: ErasureRecord, to: ErasureState, now: Date): ErasureRecord {
  if (!canTransition(record.state, to)) throw new Error(`erasure cannot go from ${record.state} to ${to}`);
  const at = now.toISOString();
  const next: ErasureRecord = { ...record, state: to, updatedAt: at };
  if (to === 'deleting') {
    next.pass = record.pass + 1;
    next.cursor = { store: 0, chunk: 0 };
    next.startedAt ??= at;
  }
  if (isFinished(to)) {
    next.finishedAt = at;
    // The worker no longer needs the subject: from now on only its hashes remain.
    delete next.sealedSubject;
    delete next.pending;
    next.lastErased = {};
  }
  return next;
}

/** The stores of a pass, in order, with how each is looked up. */
export interface PlannedStore {
  name: ErasureStoreName;
  scope: ErasureScopeKind;
}

/** How many lookups a store needs: one per chunk of sessions, or one for the subject. */
export function chunksOf(scope: ErasureScopeKind, sessionCount: number): number {
  return scope === 'subject' ? 1 : Math.ceil(sessionCount / SESSIONS_PER_CHUNK);
}

export function sessionChunk(sessionIds: readonly string[], chunk: number): string[] {
  return sessionIds.slice(chunk * SESSIONS_PER_CHUNK, (chunk + 1) * SESSIONS_PER_CHUNK);
}

/** The first cursor at or after `cursor` that has work to look at, or undefined once the pass is through. */
export function settleCursor(stores: readonly PlannedStore[], sessionCount: number, cursor: ErasureCursor): ErasureCursor | undefined {
  let { store, chunk } = cursor;
  while (store < stores.length) {
    if (chunk < chunksOf(stores[store]!.scope, sessionCount)) return { store, chunk };
    store++;
    chunk = 0;
  }
  return undefined;
}

/** What a store listed, less what it was already told to erase (kept as keyed hashes): never erased or counted twice. */
export function freshRefs<Ref extends { ref: string }>(
  listed: readonly Ref[],
  lastErased: readonly string[] | undefined,
  hashOf: (ref: string) => string,
): Ref[] {
  if (!lastErased || lastErased.length === 0) return [...listed];
  const seen = new Set(lastErased);
  return listed.filter((entry) => !seen.has(hashOf(entry.ref)));
}

/** The cursor after a chunk was found empty. */
export function advanceCursor(stores: readonly PlannedStore[], sessionCount: number, cursor: ErasureCursor): ErasureCursor | undefined {
  return settleCursor(stores, sessionCount, { store: cursor.store, chunk: cursor.chunk + 1 });
}

/** Lookups a whole pass makes when every chunk is already empty: the lower bound of a pass's cost. */
export function lookupsPerPass(stores: readonly PlannedStore[], sessionCount: number): number {
  return stores.reduce((sum, store) => sum + chunksOf(store.scope, sessionCount), 0);
}

export function addCounts(counts: StoreCounts, store: ErasureStoreName, by: number): StoreCounts {
  return { ...counts, [store]: (counts[store] ?? 0) + by };
}

export function totalOf(counts: StoreCounts): number {
  return Object.values(counts).reduce((sum, value) => sum + (value ?? 0), 0);
}

/** What stays by design, and for how long: stated on every certificate. */
export interface RetentionFacts {
  cosmosBackupRetentionDays: number;
  blobSoftDeleteDays: number;
}

export function retainedByDesign(facts: RetentionFacts): ErasureCertificate['retainedByDesign'] {
  return [
    { what: 'audit records', keeps: 'the hashed subject and the action only (identifiers in clear were rewritten to their keyed hash)' },
    { what: 'erasure record and this certificate', keeps: 'the hashed subject, the counts and who asked' },
    {
      what: 'Cosmos DB continuous backup',
      keeps: 'point-in-time restore copies of the deleted documents until the window passes',
      durationDays: facts.cosmosBackupRetentionDays,
    },
    {
      what: 'Blob Storage soft delete',
      keeps: 'deleted screenshots, reports and exports, restorable by an operator until the window passes',
      durationDays: facts.blobSoftDeleteDays,
    },
  ];
}

export function buildCertificate(
  record: ErasureRecord,
  fields: { performedBy: ErasureCertificate['performedBy']; finishedAt: Date; remaining: StoreCounts; retention: RetentionFacts },
): ErasureCertificate {
  const deleted: StoreCounts = {};
  for (const name of erasureStoreNames) deleted[name] = record.deleted[name] ?? 0;
  return {
    erasureId: record.id,
    productId: record.productId,
    requestId: record.requestId,
    requestedBy: record.requestedBy,
    requestedAt: record.requestedAt,
    performedBy: fields.performedBy,
    subject: record.subject,
    subjectHashAlgorithm: 'HMAC-SHA256',
    range: record.range,
    sessions: record.sessionIds?.length ?? 0,
    startedAt: record.startedAt ?? record.requestedAt,
    finishedAt: fields.finishedAt.toISOString(),
    deleted,
    remaining: fields.remaining,
    retainedByDesign: retainedByDesign(fields.retention),
  };
}

/** What GET /erasures/{id} shows: progress per store, never the sealed subject. */
export function erasureView(record: ErasureRecord): Record<string, unknown> {
  return {
    id: record.id,
    productId: record.productId,
    requestId: record.requestId,
    state: record.state,
    subject: record.subject,
    range: record.range,
    requestedBy: record.requestedBy,
    requestedAt: record.requestedAt,
    updatedAt: record.updatedAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    pass: record.pass,
    sessions: record.sessionIds?.length,
    cancelledSessions: record.cancelled,
    progress: erasureStoreNames.map((name) => ({ store: name, deleted: record.deleted[name] ?? 0, remaining: record.remaining?.[name] })),
    failure: record.failure,
    certificate: record.certificate ? `/api/diagnostics/erasures/${record.id}/certificate` : undefined,
  };
}
