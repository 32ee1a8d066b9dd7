// Trigger rules: when an alert fires or a crash is reported, open debug sessions automatically for the
// devices in scope, within caps. Pure: the schema, who is in scope, and what a session opened by a rule looks like.
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  captureFlagsSchema,
  collectionLevelSchema,
  MAX_DURATION_MINUTES,
  triggerKinds,
  userConsentSchema,
  type CreateSessionRequest,
} from '../sessions/session';
import { appVersionSchema, fingerprintSchema } from './series';

export { triggerKinds };
export type TriggerKind = (typeof triggerKinds)[number];

export const triggerRuleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    enabled: z.boolean().default(true),
    on: z.enum(triggerKinds),
    /** For error_threshold and anomaly: only alerts of this rule (any rule of that kind when absent). */
    alertRuleId: z.string().max(64).optional(),
    scope: z
      .object({
        /** Devices that reported this fingerprint. */
        fingerprint: fingerprintSchema.optional(),
        appVersion: appVersionSchema.optional(),
        /** A stable share of the devices in scope (by a hash of device and rule). */
        percentage: z.number().min(0.1).max(100).default(100),
      })
      .strict()
      .default({ percentage: 100 }),
    session: z
      .object({
        collectionLevel: collectionLevelSchema.default('debug'),
        capture: captureFlagsSchema.default(captureFlagsSchema.parse({})),
        /** Consent applies as for sessions opened by hand: `prompt` asks the user first. */
        userConsent: userConsentSchema.default('prompt'),
        maxDurationMinutes: z.number().int().min(1).max(MAX_DURATION_MINUTES).default(30),
      })
      .strict()
      .default({ collectionLevel: 'debug', capture: captureFlagsSchema.parse({}), userConsent: 'prompt', maxDurationMinutes: 30 }),
    caps: z
      .object({
        /** Sessions this rule may open per hour. */
        perHour: z.number().int().min(1).max(100).default(5),
      })
      .strict()
      .default({ perHour: 5 }),
  })
  .strict();
export type TriggerRuleInput = z.infer<typeof triggerRuleInputSchema>;

export const triggerRuleSchema = triggerRuleInputSchema.extend({
  id: z.string(),
  productId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type TriggerRule = z.infer<typeof triggerRuleSchema>;

export function newTriggerRule(productId: string, input: TriggerRuleInput, by: string, now: Date): TriggerRule {
  const at = now.toISOString();
  return { ...input, id: `tr_${randomUUID()}`, productId, createdAt: at, updatedAt: at, updatedBy: by };
}

export { sessionTriggerSchema, triggerSignalSchema, type SessionTrigger, type TriggerSignal } from '../sessions/session';

/** Whether a device falls in the rule's stable percentage: the same device and rule always answer the same. */
export function inPercentage(rule: Pick<TriggerRule, 'id' | 'scope'>, deviceId: string): boolean {
  if (rule.scope.percentage >= 100) return true;
  const hash = createHash('sha256').update(`${rule.id}\n${deviceId}`).digest().readUInt32BE(0);
  return (hash / 0x1_0000_0000) * 100 < rule.scope.percentage;
}

/** Whether a signal is in the rule's scope (fingerprint and version, when the rule names them). */
export function signalInScope(rule: TriggerRule, signal: { fingerprint?: string; appVersion?: string }): boolean {
  if (rule.scope.fingerprint !== undefined && signal.fingerprint !== rule.scope.fingerprint) return false;
  if (rule.scope.appVersion !== undefined && signal.appVersion !== rule.scope.appVersion) return false;
  return true;
}

/** The session a rule opens for one device, in the same shape an admin would send. */
export function autoSessionRequest(rule: TriggerRule, deviceId: string): CreateSessionRequest {
  return {
    productId: rule.productId,
    targetDeviceId: deviceId,
    collectionLevel: rule.session.collectionLevel,
    capture: rule.session.capture,
    userConsent: rule.session.userConsent,
    maxDurationMinutes: rule.session.maxDurationMinutes,
    startImmediately: true,
    reason: `Opened automatically by trigger rule "${rule.name}"`,
    tags: ['auto', `trigger:${rule.on}`],
  };
}

export function hourStart(time: number): number {
  return Math.floor(time / 3_600_000) * 3_600_000;
}

export function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}
