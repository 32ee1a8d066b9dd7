// Signal rules and their state in Cosmos (`signal_rules`, pk /productId), told apart by docType.
import type { Container } from '@azure/cosmos';
import { AppError } from '../../errors';
import { alertRuleSchema, alertStateSchema, type AlertState } from '../../domain/signals/rules';
import { triggerRuleSchema } from '../../domain/signals/triggers';
import type { Reporter, RuleKind, RuleOf, SignalRuleStore, Versioned } from '../../ports/signal-rule-store';
import { isCosmosStatus, toAppError } from './cosmos-errors';

const DAY_IN_SECONDS = 86_400;
const MAX_RULES_PER_PRODUCT = 200;
const MAX_FINGERPRINTS_PER_REPORTER = 20;
const MAX_ATTEMPTS = 5;

interface Stored {
  id: string;
  productId: string;
  docType: string;
  _etag?: string;
  [field: string]: unknown;
}

function strip(resource: Stored): Record<string, unknown> {
  const { id: _id, docType: _docType, _etag, _rid, _self, _ts, _attachments, ttl: _ttl, ...rest } = resource as Stored & Record<string, unknown>;
  return rest;
}

function parseRule<Kind extends RuleKind>(kind: Kind, resource: Stored): RuleOf<Kind> {
  const schema = kind === 'alertRule' ? alertRuleSchema : triggerRuleSchema;
  const { ruleId, ...fields } = strip(resource);
  return schema.parse({ ...fields, id: ruleId }) as RuleOf<Kind>;
}

export class CosmosSignalRuleStore implements SignalRuleStore {
  constructor(private readonly container: Container) {}

  async list<Kind extends RuleKind>(kind: Kind, productId: string): Promise<Array<Versioned<RuleOf<Kind>>>> {
    try {
      const { resources } = await this.container.items
        .query<Stored>(
          { query: 'SELECT * FROM c WHERE c.docType = @docType', parameters: [{ name: '@docType', value: kind }] },
          { partitionKey: productId, maxItemCount: MAX_RULES_PER_PRODUCT },
        )
        .fetchAll();
      return resources
        .map((resource) => ({ value: parseRule(kind, resource), etag: resource._etag ?? '' }))
        .sort((left, right) => left.value.createdAt.localeCompare(right.value.createdAt));
    } catch (error) {
      throw toAppError(error, 'Rules');
    }
  }

  async get<Kind extends RuleKind>(kind: Kind, productId: string, id: string): Promise<Versioned<RuleOf<Kind>> | undefined> {
    try {
      const response = await this.container.item(`${kind}:${id}`, productId).read<Stored>();
      if (!response.resource) return undefined;
      return { value: parseRule(kind, response.resource), etag: response.etag ?? response.resource._etag ?? '' };
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, 'Rule');
    }
  }

  async create<Kind extends RuleKind>(kind: Kind, rule: RuleOf<Kind>): Promise<Versioned<RuleOf<Kind>>> {
    const existing = await this.list(kind, rule.productId);
    if (existing.length >= MAX_RULES_PER_PRODUCT) throw new AppError('conflict', `A product may have at most ${MAX_RULES_PER_PRODUCT} rules of a kind`);
    try {
      const response = await this.container.items.create({ ...rule, id: `${kind}:${rule.id}`, ruleId: rule.id, docType: kind });
      return { value: rule, etag: response.etag ?? '' };
    } catch (error) {
      throw toAppError(error, 'Rule');
    }
  }

  async replace<Kind extends RuleKind>(kind: Kind, rule: RuleOf<Kind>, etag: string): Promise<Versioned<RuleOf<Kind>>> {
    try {
      const response = await this.container
        .item(`${kind}:${rule.id}`, rule.productId)
        .replace({ ...rule, id: `${kind}:${rule.id}`, ruleId: rule.id, docType: kind }, { accessCondition: { type: 'IfMatch', condition: etag } });
      return { value: rule, etag: response.etag ?? '' };
    } catch (error) {
      throw toAppError(error, 'Rule');
    }
  }

  async delete(kind: RuleKind, productId: string, id: string): Promise<void> {
    try {
      await this.container.item(`${kind}:${id}`, productId).delete();
    } catch (error) {
      if (!isCosmosStatus(error, 404)) throw toAppError(error, 'Rule');
    }
  }

  async productsWithAlertRules(): Promise<string[]> {
    try {
      const { resources } = await this.container.items
        .query<{ productId: string }>({ query: "SELECT c.productId FROM c WHERE c.docType = 'alertRule'" })
        .fetchAll();
      return [...new Set(resources.map((resource) => resource.productId))].sort();
    } catch (error) {
      throw toAppError(error, 'Rules');
    }
  }

  async getAlertState(productId: string, ruleId: string): Promise<Versioned<AlertState> | undefined> {
    try {
      const response = await this.container.item(`alertState:${ruleId}`, productId).read<Stored>();
      if (!response.resource) return undefined;
      return { value: alertStateSchema.parse(strip(response.resource)), etag: response.etag ?? response.resource._etag ?? '' };
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, 'Alert state');
    }
  }

  async listAlertStates(productId: string): Promise<AlertState[]> {
    try {
      const { resources } = await this.container.items
        .query<Stored>({ query: "SELECT * FROM c WHERE c.docType = 'alertState'" }, { partitionKey: productId })
        .fetchAll();
      return resources.map((resource) => alertStateSchema.parse(strip(resource)));
    } catch (error) {
      throw toAppError(error, 'Alert states');
    }
  }

  async writeAlertState(state: AlertState, etag: string | undefined): Promise<boolean> {
    const document = { ...state, id: `alertState:${state.ruleId}`, docType: 'alertState' };
    try {
      if (etag === undefined) await this.container.items.create(document);
      else await this.container.item(document.id, state.productId).replace(document, { accessCondition: { type: 'IfMatch', condition: etag } });
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 409) || isCosmosStatus(error, 412) || isCosmosStatus(error, 404)) return false;
      throw toAppError(error, 'Alert state');
    }
  }

  async claimHourlySlot(productId: string, ruleId: string, hourStart: number, cap: number): Promise<boolean> {
    const id = `cap:${ruleId}:${hourStart}`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const response = await this.container.item(id, productId).read<Stored & { used: number }>();
        const current = response.resource;
        if (!current) {
          await this.container.items.create({ id, productId, docType: 'cap', used: 1, ttl: 2 * 3600 });
          return true;
        }
        if (current.used >= cap) return false;
        await this.container
          .item(id, productId)
          .replace({ ...current, used: current.used + 1 }, { accessCondition: { type: 'IfMatch', condition: response.etag ?? current._etag ?? '' } });
        return true;
      } catch (error) {
        if (isCosmosStatus(error, 404)) {
          try {
            await this.container.items.create({ id, productId, docType: 'cap', used: 1, ttl: 2 * 3600 });
            return true;
          } catch (createError) {
            if (!isCosmosStatus(createError, 409)) throw toAppError(createError, 'Trigger cap');
            continue;
          }
        }
        if (isCosmosStatus(error, 409) || isCosmosStatus(error, 412)) continue;
        throw toAppError(error, 'Trigger cap');
      }
    }
    throw new AppError('unavailable', 'The trigger cap kept changing', { retryable: true });
  }

  async claimDeviceDay(productId: string, deviceId: string, day: string): Promise<boolean> {
    try {
      await this.container.items.create({ id: `deviceDay:${day}:${deviceId}`, productId, docType: 'deviceDay', ttl: 2 * DAY_IN_SECONDS });
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 409)) return false;
      throw toAppError(error, 'Trigger cap');
    }
  }

  async releaseDeviceDay(productId: string, deviceId: string, day: string): Promise<void> {
    try {
      await this.container.item(`deviceDay:${day}:${deviceId}`, productId).delete();
    } catch (error) {
      if (!isCosmosStatus(error, 404)) throw toAppError(error, 'Trigger cap');
    }
  }

  async noteReporter(productId: string, reporter: Reporter): Promise<void> {
    const id = `reporter:${reporter.deviceId}`;
    try {
      let known: (Stored & Reporter) | undefined;
      try {
        known = (await this.container.item(id, productId).read<Stored & Reporter>()).resource;
      } catch (error) {
        if (!isCosmosStatus(error, 404)) throw error;
      }
      // Last writer wins: two batches of one device racing lose at most a fingerprint, seen again next minute.
      const fingerprints = [...new Set([...reporter.fingerprints, ...(known?.fingerprints ?? [])])].slice(0, MAX_FINGERPRINTS_PER_REPORTER);
      const appVersions = [...new Set([...reporter.appVersions, ...(known?.appVersions ?? [])])].slice(0, 5);
      await this.container.items.upsert({
        id,
        productId,
        docType: 'reporter',
        deviceId: reporter.deviceId,
        lastSeen: reporter.lastSeen,
        fingerprints,
        appVersions,
        ttl: DAY_IN_SECONDS,
      });
    } catch (error) {
      throw toAppError(error, 'Reporter');
    }
  }

  async findReporters(productId: string, filter: { fingerprint?: string; appVersion?: string; since: number }, limit: number): Promise<Reporter[]> {
    const conditions = ["c.docType = 'reporter'", 'c.lastSeen >= @since'];
    const parameters: Array<{ name: string; value: string | number }> = [{ name: '@since', value: filter.since }];
    if (filter.fingerprint !== undefined) {
      conditions.push('ARRAY_CONTAINS(c.fingerprints, @fingerprint)');
      parameters.push({ name: '@fingerprint', value: filter.fingerprint });
    }
    if (filter.appVersion !== undefined) {
      conditions.push('ARRAY_CONTAINS(c.appVersions, @appVersion)');
      parameters.push({ name: '@appVersion', value: filter.appVersion });
    }
    try {
      const { resources } = await this.container.items
        .query<Reporter>(
          { query: `SELECT c.deviceId, c.lastSeen, c.fingerprints, c.appVersions FROM c WHERE ${conditions.join(' AND ')}`, parameters },
          { partitionKey: productId },
        )
        .fetchAll();
      return resources.sort((left, right) => right.lastSeen - left.lastSeen || left.deviceId.localeCompare(right.deviceId)).slice(0, limit);
    } catch (error) {
      throw toAppError(error, 'Reporters');
    }
  }
}
