// Admins manage a product's alert rules and trigger rules (audited); engineers read them and the alerts.
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { requireAdmin, requireReader, type Principal } from '../domain/access/principal';
import { alertRuleInputSchema, newAlertRule, type AlertRuleInput } from '../domain/signals/rules';
import { newTriggerRule, triggerRuleInputSchema, type TriggerRuleInput } from '../domain/signals/triggers';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { RuleKind, RuleOf, SignalRuleStore, Versioned } from '../ports/signal-rule-store';
import { alertLinks } from './detection-service';

export interface SignalRuleServiceDependencies {
  rules: SignalRuleStore;
  audit: AuditLog;
  clock: Clock;
  /** For the dashboard links each alert carries. */
  publicBaseUrl: string;
  /** Called after a trigger rule changed, so this instance's cache reads it again. */
  onTriggerRulesChanged?: (productId: string) => void;
}

export interface RuleCall {
  principal: Principal;
  correlationId: string;
}

type InputOf<Kind extends RuleKind> = Kind extends 'alertRule' ? AlertRuleInput : TriggerRuleInput;

const auditNames: Record<RuleKind, string> = { alertRule: 'signal.alert_rule', triggerRule: 'signal.trigger_rule' };

async function audit(
  deps: SignalRuleServiceDependencies,
  call: RuleCall,
  productId: string,
  kind: RuleKind,
  verb: string,
  ruleId: string,
  rule?: unknown,
): Promise<void> {
  await deps.audit.record({
    id: `au_${randomUUID()}`,
    productId,
    at: deps.clock.now().toISOString(),
    actor: { kind: 'user', id: call.principal.subject },
    action: `${auditNames[kind]}.${verb}`,
    details: { ruleId, ...(rule ? { rule } : {}) },
    correlationId: call.correlationId,
  });
}

async function checkReferences<Kind extends RuleKind>(deps: SignalRuleServiceDependencies, kind: Kind, productId: string, input: InputOf<Kind>): Promise<void> {
  if (kind !== 'triggerRule') return;
  const trigger = input as TriggerRuleInput;
  if (trigger.on === 'crash' && trigger.alertRuleId !== undefined) {
    throw new AppError('invalid_input', 'A crash trigger reacts to crash reports, not to an alert rule: leave alertRuleId out', {
      issues: [{ field: 'alertRuleId', message: 'not for on: crash' }],
    });
  }
  if (trigger.alertRuleId !== undefined && !(await deps.rules.get('alertRule', productId, trigger.alertRuleId))) {
    throw new AppError('invalid_input', `Alert rule ${trigger.alertRuleId} does not exist in product ${productId}`, {
      issues: [{ field: 'alertRuleId', message: 'unknown rule' }],
    });
  }
}

export function ruleInputSchema(kind: RuleKind) {
  return kind === 'alertRule' ? alertRuleInputSchema : triggerRuleInputSchema;
}

export async function createRule<Kind extends RuleKind>(
  deps: SignalRuleServiceDependencies,
  call: RuleCall,
  kind: Kind,
  productId: string,
  input: InputOf<Kind>,
): Promise<Versioned<RuleOf<Kind>>> {
  requireAdmin(call.principal, productId);
  await checkReferences(deps, kind, productId, input);
  const now = deps.clock.now();
  const rule = (
    kind === 'alertRule'
      ? newAlertRule(productId, input as AlertRuleInput, call.principal.subject, now)
      : newTriggerRule(productId, input as TriggerRuleInput, call.principal.subject, now)
  ) as RuleOf<Kind>;
  const stored = await deps.rules.create(kind, rule);
  await audit(deps, call, productId, kind, 'created', rule.id, rule);
  if (kind === 'triggerRule') deps.onTriggerRulesChanged?.(productId);
  return stored;
}

export async function listRules<Kind extends RuleKind>(
  deps: SignalRuleServiceDependencies,
  principal: Principal,
  kind: Kind,
  productId: string,
): Promise<Array<Versioned<RuleOf<Kind>>>> {
  requireReader(principal, productId);
  return deps.rules.list(kind, productId);
}

/** Replaces the rule's settings; If-Match (the etag from the list) guards against overwriting another admin's change. */
export async function replaceRule<Kind extends RuleKind>(
  deps: SignalRuleServiceDependencies,
  call: RuleCall,
  kind: Kind,
  productId: string,
  ruleId: string,
  input: InputOf<Kind>,
  ifMatch: string | undefined,
): Promise<Versioned<RuleOf<Kind>>> {
  requireAdmin(call.principal, productId);
  const current = await deps.rules.get(kind, productId, ruleId);
  if (!current) throw new AppError('not_found', `Rule ${ruleId} not found`);
  const bare = (tag: string) => tag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (ifMatch !== undefined && ifMatch !== '*' && bare(ifMatch) !== bare(current.etag)) {
    throw new AppError('precondition_failed', 'The rule changed since you read it; read it again and retry with its new ETag');
  }
  await checkReferences(deps, kind, productId, input);
  const rule = {
    ...input,
    id: ruleId,
    productId,
    createdAt: current.value.createdAt,
    updatedAt: deps.clock.now().toISOString(),
    updatedBy: call.principal.subject,
  } as RuleOf<Kind>;
  const stored = await deps.rules.replace(kind, rule, current.etag);
  await audit(deps, call, productId, kind, 'updated', ruleId, rule);
  if (kind === 'triggerRule') deps.onTriggerRulesChanged?.(productId);
  return stored;
}

/** Idempotent: deleting a rule that is gone answers the same. */
export async function deleteRule(deps: SignalRuleServiceDependencies, call: RuleCall, kind: RuleKind, productId: string, ruleId: string): Promise<void> {
  requireAdmin(call.principal, productId);
  const existed = await deps.rules.get(kind, productId, ruleId);
  await deps.rules.delete(kind, productId, ruleId);
  if (existed) await audit(deps, call, productId, kind, 'deleted', ruleId);
  if (kind === 'triggerRule') deps.onTriggerRulesChanged?.(productId);
}

/** Alerts for the dashboard: every rule with its state, firing first. */
export async function listAlerts(deps: SignalRuleServiceDependencies, principal: Principal, productId: string) {
  requireReader(principal, productId);
  const [rules, states] = await Promise.all([deps.rules.list('alertRule', productId), deps.rules.listAlertStates(productId)]);
  const stateOf = new Map(states.map((state) => [state.ruleId, state]));
  return rules
    .map(({ value: rule }) => {
      const state = stateOf.get(rule.id);
      return {
        ruleId: rule.id,
        ruleName: rule.name,
        metric: rule.metric,
        filter: rule.filter,
        severity: rule.severity,
        enabled: rule.enabled,
        status: state?.status ?? 'ok',
        evaluatedThrough: state?.evaluatedThrough ? new Date(state.evaluatedThrough).toISOString() : undefined,
        episode: state?.episode,
        history: state?.history ?? [],
        links: alertLinks(deps.publicBaseUrl, rule, state?.evaluatedThrough || deps.clock.now().getTime()),
      };
    })
    .sort((left, right) => (left.status === right.status ? left.ruleName.localeCompare(right.ruleName) : left.status === 'firing' ? -1 : 1));
}
