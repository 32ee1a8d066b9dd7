// The debug session: wire and document schemas (the single source of its types) and pure constructors.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const sessionStatuses = ['pending', 'active', 'paused', 'completed', 'cancelled', 'expired'] as const;
export const sessionStatusSchema = z.enum(sessionStatuses);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

export const collectionLevelSchema = z.enum(['standard', 'debug', 'trace']);
export type CollectionLevel = z.infer<typeof collectionLevelSchema>;

export const userConsentSchema = z.enum(['prompt', 'pre_consent', 'auto']);
export type UserConsent = z.infer<typeof userConsentSchema>;

export const captureFlagsSchema = z
  .object({
    logs: z.boolean().default(true),
    traces: z.boolean().default(true),
    breadcrumbs: z.boolean().default(true),
    network: z.boolean().default(false),
    console: z.boolean().default(false),
    screenshots: z.boolean().default(false),
    screenshotOnError: z.boolean().default(false),
  })
  .strict();
export type CaptureFlags = z.infer<typeof captureFlagsSchema>;

/** A user, anonymous, device or app-session id a session can target; other records naming a subject use the same. */
export const targetIdentifierSchema = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[\w.:@|+-]+$/, 'letters, digits and . : @ | + - _ only');
const identifier = targetIdentifierSchema;
export const productIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and -');
export const sessionIdSchema = z.string().regex(/^ds_[0-9a-f-]{36}$/, 'a session id looks like ds_<uuid>');

export const sessionTargetSchema = z.object({
  targetUserId: identifier.optional(),
  targetAnonymousId: identifier.optional(),
  targetDeviceId: identifier.optional(),
  targetSessionId: identifier.optional(),
});
export type SessionTarget = z.infer<typeof sessionTargetSchema>;
export const targetFields = ['targetUserId', 'targetAnonymousId', 'targetDeviceId', 'targetSessionId'] as const;

export const MAX_DURATION_MINUTES = 1440;
const durationMinutes = z.number().int().min(1).max(MAX_DURATION_MINUTES);

export const createSessionRequestSchema = sessionTargetSchema
  .extend({
    productId: productIdSchema,
    collectionLevel: collectionLevelSchema.default('debug'),
    capture: captureFlagsSchema.default(captureFlagsSchema.parse({})),
    userConsent: userConsentSchema.default('prompt'),
    maxDurationMinutes: durationMinutes.default(60),
    /** Start collecting at once (active) or stay pending until started with PATCH. */
    startImmediately: z.boolean().default(true),
    reason: z.string().max(1000).optional(),
    tags: z.array(z.string().max(64)).max(20).default([]),
  })
  .strict()
  .refine((input) => targetFields.some((field) => input[field] !== undefined), {
    message: 'at least one of targetUserId, targetAnonymousId, targetDeviceId, targetSessionId is required',
    path: ['targetUserId'],
  });
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

export const updateSessionRequestSchema = z
  .object({
    status: z.enum(['active', 'paused', 'completed', 'cancelled']).optional(),
    extendMinutes: durationMinutes.optional(),
    capture: captureFlagsSchema.partial().strict().optional(),
    collectionLevel: collectionLevelSchema.optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict()
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: 'nothing to change: give status, extendMinutes, capture, collectionLevel or reason',
  });
export type UpdateSessionRequest = z.infer<typeof updateSessionRequestSchema>;

export const consentStateSchema = z.object({
  required: z.boolean(),
  status: z.enum(['not_required', 'pending', 'granted', 'denied']),
  decidedAt: z.string().optional(),
});

export type ConsentState = z.infer<typeof consentStateSchema>;

export const sessionStatsSchema = z.object({
  logCount: z.number().int().nonnegative().default(0),
  traceCount: z.number().int().nonnegative().default(0),
  breadcrumbCount: z.number().int().nonnegative().default(0),
  networkCount: z.number().int().nonnegative().default(0),
  screenshotCount: z.number().int().nonnegative().default(0),
  errorCount: z.number().int().nonnegative().default(0),
});
export type SessionStats = z.infer<typeof sessionStatsSchema>;

/** What can open a session automatically (issue 17, shared/domain/signals/triggers.ts). */
export const triggerKinds = ['error_threshold', 'anomaly', 'crash'] as const;

/** What set a trigger off: an alert (rule and episode) or a crash (fingerprint and version). */
export const triggerSignalSchema = z.object({
  kind: z.enum(['alert', 'crash']),
  alertRuleId: z.string().optional(),
  episodeId: z.string().optional(),
  fingerprint: z.string().optional(),
  appVersion: z.string().optional(),
  at: z.string(),
});
export type TriggerSignal = z.infer<typeof triggerSignalSchema>;

/** Set on a session a trigger rule opened: which rule, and which signal set it off. */
export const sessionTriggerSchema = z.object({
  ruleId: z.string(),
  ruleName: z.string(),
  on: z.enum(triggerKinds),
  signal: triggerSignalSchema,
});
export type SessionTrigger = z.infer<typeof sessionTriggerSchema>;

export const SESSION_SCHEMA_VERSION = 1;

/** `DebugSessionDoc` as stored in the `debug_sessions` container (pk `/id`). */
export const debugSessionSchema = sessionTargetSchema.extend({
  id: sessionIdSchema,
  schemaVersion: z.literal(SESSION_SCHEMA_VERSION),
  productId: productIdSchema,
  status: sessionStatusSchema,
  collectionLevel: collectionLevelSchema,
  capture: captureFlagsSchema,
  userConsent: userConsentSchema,
  consent: consentStateSchema,
  maxDurationMinutes: z.number().int().positive(),
  reason: z.string().optional(),
  tags: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  pausedAt: z.string().optional(),
  endedAt: z.string().optional(),
  expiresAt: z.string(),
  stats: sessionStatsSchema,
  /** Present on sessions opened by a trigger rule rather than by an admin. */
  trigger: sessionTriggerSchema.optional(),
});
export type DebugSession = z.infer<typeof debugSessionSchema>;

/** A stored session with the concurrency token the store returned. */
export interface VersionedSession {
  session: DebugSession;
  etag: string;
}

export function newSessionId(): string {
  return `ds_${randomUUID()}`;
}

export function addMinutes(isoTime: string, minutes: number): string {
  return new Date(Date.parse(isoTime) + minutes * 60_000).toISOString();
}

export function newSession(input: CreateSessionRequest, createdBy: string, now: Date): DebugSession {
  const createdAt = now.toISOString();
  const consentRequired = input.userConsent === 'prompt';
  const started = input.startImmediately;
  return {
    id: newSessionId(),
    schemaVersion: SESSION_SCHEMA_VERSION,
    productId: input.productId,
    targetUserId: input.targetUserId,
    targetAnonymousId: input.targetAnonymousId,
    targetDeviceId: input.targetDeviceId,
    targetSessionId: input.targetSessionId,
    status: started ? 'active' : 'pending',
    collectionLevel: input.collectionLevel,
    capture: input.capture,
    userConsent: input.userConsent,
    consent: { required: consentRequired, status: consentRequired ? 'pending' : 'not_required' },
    maxDurationMinutes: input.maxDurationMinutes,
    reason: input.reason,
    tags: input.tags,
    createdBy,
    createdAt,
    updatedAt: createdAt,
    startedAt: started ? createdAt : undefined,
    // The time box starts at creation: a pending session still expires, so nothing lingers.
    expiresAt: addMinutes(createdAt, input.maxDurationMinutes),
    stats: sessionStatsSchema.parse({}),
  };
}

export function isTerminal(status: SessionStatus): boolean {
  return status === 'completed' || status === 'cancelled' || status === 'expired';
}
