// Auto-triggered sessions: an alert that fired or a crash a device reported opens debug sessions for the
// devices in a trigger rule's scope, through the session use case, within the caps: K per rule per hour,
// one per device per day, and joining a live session for the device instead of opening a second one.
import { randomUUID } from 'node:crypto';
import {
  autoSessionRequest,
  dayOf,
  hourStart,
  inPercentage,
  signalInScope,
  type TriggerKind,
  type TriggerRule,
  type TriggerSignal,
} from '../domain/signals/triggers';
import type { AlertRule } from '../domain/signals/rules';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { SignalRuleStore } from '../ports/signal-rule-store';
import type { Telemetry } from '../ports/telemetry';
import type { DebugSession } from '../domain/sessions/session';
import type { DevicePoll } from '../domain/sessions/targeting';
import { createAutoSession, type SessionServiceDependencies } from './session-service';

export interface TriggerServiceDependencies {
  rules: SignalRuleStore;
  sessionService: SessionServiceDependencies;
  /** The live session a device is being handed now, if any (the config index). */
  liveSessionFor: (poll: DevicePoll) => Promise<Pick<DebugSession, 'id'> | undefined>;
  audit: AuditLog;
  clock: Clock;
  telemetry: Telemetry;
  /** How long a product's trigger rules are cached per instance (the intake reads them on every report). */
  cacheForInMs: number;
}

export interface CrashReport {
  errors: Array<{ fingerprint?: string; appVersion?: string; count: number }>;
  crashes: Array<{ fingerprint?: string; appVersion?: string; minute: number; count: number }>;
  correlationId: string;
}

export type TriggerOutcome = 'opened' | 'joined' | 'device_capped' | 'rule_capped' | 'out_of_scope';

export interface TriggerResult {
  ruleId: string;
  deviceId: string;
  outcome: TriggerOutcome;
  sessionId?: string;
}

/** Devices an alert-triggered rule considers: those that reported errors within the last hour. */
const REPORTER_LOOKBACK_IN_MS = 3_600_000;
const MAX_CANDIDATES = 200;

const cache = new WeakMap<TriggerServiceDependencies, Map<string, { rules: TriggerRule[]; until: number }>>();

async function triggerRules(deps: TriggerServiceDependencies, productId: string): Promise<TriggerRule[]> {
  let byProduct = cache.get(deps);
  if (!byProduct) cache.set(deps, (byProduct = new Map()));
  const now = deps.clock.now().getTime();
  const cached = byProduct.get(productId);
  if (cached && cached.until > now) return cached.rules;
  const rules = (await deps.rules.list('triggerRule', productId)).map((entry) => entry.value).filter((rule) => rule.enabled);
  byProduct.set(productId, { rules, until: now + deps.cacheForInMs });
  return rules;
}

/** Rules changed: this instance reads them again on the next report (others within cacheForInMs). */
export function forgetTriggerRules(deps: TriggerServiceDependencies, productId: string): void {
  cache.get(deps)?.delete(productId);
}

/** One device: join its live session, or claim the caps and open one. */
async function openFor(
  deps: TriggerServiceDependencies,
  rule: TriggerRule,
  deviceId: string,
  signal: TriggerSignal,
  correlationId: string | undefined,
): Promise<TriggerResult> {
  const now = deps.clock.now();
  const live = await deps.liveSessionFor({ productId: rule.productId, deviceId });
  if (live) {
    await deps.audit.record({
      id: `au_${randomUUID()}`,
      productId: rule.productId,
      at: now.toISOString(),
      actor: { kind: 'system', id: `trigger:${rule.id}` },
      action: 'session.auto_joined',
      sessionId: live.id,
      target: { targetDeviceId: deviceId },
      details: { ruleId: rule.id, signal },
      correlationId,
    });
    return { ruleId: rule.id, deviceId, outcome: 'joined', sessionId: live.id };
  }
  const day = dayOf(now.getTime());
  if (!(await deps.rules.claimDeviceDay(rule.productId, deviceId, day))) return { ruleId: rule.id, deviceId, outcome: 'device_capped' };
  if (!(await deps.rules.claimHourlySlot(rule.productId, rule.id, hourStart(now.getTime()), rule.caps.perHour))) {
    await deps.rules.releaseDeviceDay(rule.productId, deviceId, day);
    return { ruleId: rule.id, deviceId, outcome: 'rule_capped' };
  }
  try {
    const stored = await createAutoSession(
      deps.sessionService,
      autoSessionRequest(rule, deviceId),
      { ruleId: rule.id, ruleName: rule.name, on: rule.on, signal },
      correlationId,
    );
    return { ruleId: rule.id, deviceId, outcome: 'opened', sessionId: stored.session.id };
  } catch (error) {
    // The slot stays taken (a cap errs on the side of fewer sessions); the device may be tried again.
    await deps.rules.releaseDeviceDay(rule.productId, deviceId, day).catch(() => undefined);
    throw error;
  }
}

function count(deps: TriggerServiceDependencies, results: TriggerResult[], on: TriggerKind): void {
  for (const result of results) deps.telemetry.metric('signals.trigger_total', 1, { on, outcome: result.outcome });
}

/** A device reported errors or crashes: remember it for alert-triggered rules, and run the crash rules. */
export async function onDeviceReports(deps: TriggerServiceDependencies, productId: string, deviceId: string, reports: CrashReport): Promise<TriggerResult[]> {
  const rules = await triggerRules(deps, productId);
  if (rules.length === 0) return [];
  const now = deps.clock.now();
  if (rules.some((rule) => rule.on !== 'crash')) {
    await deps.rules.noteReporter(productId, {
      deviceId,
      lastSeen: now.getTime(),
      fingerprints: [...new Set(reports.errors.map((entry) => entry.fingerprint).filter((value): value is string => value !== undefined))],
      appVersions: [...new Set(reports.errors.map((entry) => entry.appVersion).filter((value): value is string => value !== undefined))],
    });
  }
  const results: TriggerResult[] = [];
  for (const crash of reports.crashes) {
    for (const rule of rules) {
      if (rule.on !== 'crash' || !signalInScope(rule, crash) || !inPercentage(rule, deviceId)) continue;
      if (results.some((result) => result.ruleId === rule.id)) continue;
      const signal: TriggerSignal = { kind: 'crash', fingerprint: crash.fingerprint, appVersion: crash.appVersion, at: new Date(crash.minute).toISOString() };
      results.push(await openFor(deps, rule, deviceId, signal, reports.correlationId));
    }
  }
  count(deps, results, 'crash');
  return results;
}

/** An alert fired: every matching rule opens sessions for devices that reported in scope, until its hourly cap. */
export async function onAlertFired(deps: TriggerServiceDependencies, alertRule: AlertRule, episodeId: string): Promise<TriggerResult[]> {
  const on: TriggerKind = alertRule.condition.kind === 'anomaly' ? 'anomaly' : 'error_threshold';
  const rules = (await triggerRules(deps, alertRule.productId)).filter(
    (rule) => rule.on === on && (rule.alertRuleId === undefined || rule.alertRuleId === alertRule.id),
  );
  const now = deps.clock.now();
  const results: TriggerResult[] = [];
  for (const rule of rules) {
    const fingerprint = rule.scope.fingerprint ?? alertRule.filter.fingerprint;
    const appVersion = rule.scope.appVersion ?? alertRule.filter.appVersion;
    const reporters = await deps.rules.findReporters(
      alertRule.productId,
      { fingerprint, appVersion, since: now.getTime() - REPORTER_LOOKBACK_IN_MS },
      MAX_CANDIDATES,
    );
    const signal: TriggerSignal = { kind: 'alert', alertRuleId: alertRule.id, episodeId, fingerprint, appVersion, at: now.toISOString() };
    for (const reporter of reporters) {
      if (!inPercentage(rule, reporter.deviceId)) continue;
      const result = await openFor(deps, rule, reporter.deviceId, signal, undefined);
      results.push(result);
      if (result.outcome === 'rule_capped') break;
    }
  }
  count(deps, results, on);
  return results;
}
