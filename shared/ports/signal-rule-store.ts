// Alert rules, trigger rules, alert state, auto-session caps and recent error reporters of a product.
import type { AlertRule, AlertState } from '../domain/signals/rules';
import type { TriggerRule } from '../domain/signals/triggers';

export type RuleKind = 'alertRule' | 'triggerRule';
export type RuleOf<Kind extends RuleKind> = Kind extends 'alertRule' ? AlertRule : TriggerRule;

export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface Reporter {
  deviceId: string;
  /** Epoch ms of the last report with errors or crashes. */
  lastSeen: number;
  fingerprints: string[];
  appVersions: string[];
}

export interface SignalRuleStore {
  list<Kind extends RuleKind>(kind: Kind, productId: string): Promise<Array<Versioned<RuleOf<Kind>>>>;
  get<Kind extends RuleKind>(kind: Kind, productId: string, id: string): Promise<Versioned<RuleOf<Kind>> | undefined>;
  create<Kind extends RuleKind>(kind: Kind, rule: RuleOf<Kind>): Promise<Versioned<RuleOf<Kind>>>;
  /** Throws precondition_failed when the rule changed since `etag` was read. */
  replace<Kind extends RuleKind>(kind: Kind, rule: RuleOf<Kind>, etag: string): Promise<Versioned<RuleOf<Kind>>>;
  /** Idempotent. */
  delete(kind: RuleKind, productId: string, id: string): Promise<void>;
  /** Products with at least one alert rule (the timer's work list). */
  productsWithAlertRules(): Promise<string[]>;

  getAlertState(productId: string, ruleId: string): Promise<Versioned<AlertState> | undefined>;
  listAlertStates(productId: string): Promise<AlertState[]>;
  /** False when another writer got there first (created it, or changed it since `etag`). */
  writeAlertState(state: AlertState, etag: string | undefined): Promise<boolean>;

  /** Takes one of `cap` slots of a rule's hour; false when all are taken. */
  claimHourlySlot(productId: string, ruleId: string, hourStart: number, cap: number): Promise<boolean>;
  /** The one auto-session a device may get per day; false when it already had one. */
  claimDeviceDay(productId: string, deviceId: string, day: string): Promise<boolean>;
  releaseDeviceDay(productId: string, deviceId: string, day: string): Promise<void>;

  /** Notes that a device reported errors (by fingerprint and version); kept a day. */
  noteReporter(productId: string, reporter: Reporter): Promise<void>;
  /** Devices that reported since `since`, matching the fingerprint and version when given, newest first. */
  findReporters(productId: string, filter: { fingerprint?: string; appVersion?: string; since: number }, limit: number): Promise<Reporter[]>;
}
