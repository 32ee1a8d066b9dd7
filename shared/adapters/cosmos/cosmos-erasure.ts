// Per-user erasure over Cosmos: each container that can hold a subject's data as an ErasableStore (query what is
// left, delete in bulk of at most 100, or a whole partition where the account can), the subject's session finder,
// and the erasure records themselves (`erasures`, pk /id, If-Match replaces).
import type { Container, OperationInput, SqlParameter } from '@azure/cosmos';
import { AppError } from '../../errors';
import {
  erasureRecordSchema,
  type ErasureRecord,
  type ErasureScopeKind,
  type ErasureStoreName,
  type ErasureSubject,
  type SubjectHashes,
} from '../../domain/privacy/erasure';
import { sessionPartitionKey } from '../../domain/telemetry/items';
import type {
  ErasableRef,
  ErasableStore,
  ErasureRecordStore,
  ErasureTarget,
  SessionOfSubject,
  SubjectSessionFinder,
  VersionedErasure,
} from '../../ports/erasure';
import { isCosmosStatus, toAppError } from './cosmos-errors';

interface Filter {
  where: string;
  parameters: SqlParameter[];
  /** Restricts the query to one partition when the target names it. */
  partitionKey?: string;
}

/** A store's lookup: the filter of what belongs to the target (undefined: nothing can), and the partition key path. */
export interface QuerySpec {
  name: ErasureStoreName;
  scope: ErasureScopeKind;
  /** The document field holding the container's partition key (`pk`, `sessionId`, `id`, …). */
  partitionKeyField: string;
  filter(target: ErasureTarget): Filter | undefined;
}

function refOf(partitionKey: string, id: string): string {
  return JSON.stringify([partitionKey, id]);
}

function parseRef(ref: string): { partitionKey: string; id: string } {
  const parsed: unknown = JSON.parse(ref);
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string')
    throw new AppError('internal', 'Not a document reference', { retryable: false });
  return { partitionKey: parsed[0], id: parsed[1] };
}

/** Statuses after which the document is certainly gone. */
const gone = (statusCode: number) => statusCode === 204 || statusCode === 200 || statusCode === 404;

/**
 * Query-and-delete: the ids of what is left (TOP n), then one bulk request of deletes. Works on every account and on
 * the embedded emulator; a missing document counts as deleted, anything else fails the step so it is retried.
 */
export class CosmosQueryErasable implements ErasableStore {
  readonly name: ErasureStoreName;
  readonly scope: ErasureScopeKind;

  constructor(
    protected readonly container: Container,
    protected readonly spec: QuerySpec,
  ) {
    this.name = spec.name;
    this.scope = spec.scope;
  }

  async count(target: ErasureTarget): Promise<number> {
    const filter = this.spec.filter(target);
    if (!filter) return 0;
    try {
      const { resources } = await this.container.items
        .query<number>(
          { query: `SELECT VALUE COUNT(1) FROM c WHERE ${filter.where}`, parameters: filter.parameters },
          filter.partitionKey ? { partitionKey: filter.partitionKey } : {},
        )
        .fetchAll();
      return resources.reduce((sum, value) => sum + value, 0);
    } catch (error) {
      throw toAppError(error, `Erasure count of ${this.name}`);
    }
  }

  async list(target: ErasureTarget, maxItems: number): Promise<ErasableRef[]> {
    const filter = this.spec.filter(target);
    if (!filter) return [];
    const top = Math.max(1, Math.min(Math.floor(maxItems), 1000));
    try {
      const response = await this.container.items
        .query<{ id: string; pk: unknown }>(
          { query: `SELECT TOP ${top} c.id, c.${this.spec.partitionKeyField} AS pk FROM c WHERE ${filter.where}`, parameters: filter.parameters },
          { maxItemCount: top, ...(filter.partitionKey ? { partitionKey: filter.partitionKey } : {}) },
        )
        .fetchAll();
      return response.resources.slice(0, top).map((resource) => ({ ref: refOf(String(resource.pk), resource.id), count: 1 }));
    } catch (error) {
      throw toAppError(error, `Erasure list of ${this.name}`);
    }
  }

  async erase(_target: ErasureTarget, refs: readonly ErasableRef[]): Promise<void> {
    if (refs.length === 0) return;
    const operations: OperationInput[] = refs.map(({ ref }) => {
      const { partitionKey, id } = parseRef(ref);
      return { operationType: 'Delete', id, partitionKey };
    });
    let statusCodes: number[];
    try {
      // `bulk` (one request per partition range, answered at once) rather than executeBulkOperations, whose
      // batching timer held every call of at most 100 deletes for a second here.
      statusCodes = (await this.container.items.bulk(operations, { continueOnError: true })).map((response) => response?.statusCode ?? 500);
    } catch (error) {
      throw toAppError(error, `Erasure of ${this.name}`);
    }
    const failed = statusCodes.filter((statusCode) => !gone(statusCode));
    if (failed.length > 0)
      throw new AppError('unavailable', `${failed.length} of ${refs.length} deletes in ${this.name} did not go through; retrying`, { retryAfterSeconds: 1 });
  }
}

/**
 * Where the account has the partition-key delete capability (COSMOS_PARTITION_KEY_DELETE), a store partitioned by
 * session drops each session's partition in one call; the service finishes it in the background, which is why the
 * erasure verifies and, if something is still there, runs another pass.
 */
export class CosmosPartitionErasable extends CosmosQueryErasable {
  constructor(
    container: Container,
    spec: QuerySpec,
    private readonly partitionOf: (productId: string, sessionId: string) => string,
    private readonly settleTimeoutInMs = 30_000,
  ) {
    super(container, spec);
  }

  override async list(target: ErasureTarget, maxItems: number): Promise<ErasableRef[]> {
    const refs: ErasableRef[] = [];
    for (const sessionId of target.sessionIds) {
      if (refs.length >= maxItems) break;
      const partitionKey = this.partitionOf(target.productId, sessionId);
      const count = await this.count({ ...target, sessionIds: [sessionId] });
      if (count > 0) refs.push({ ref: refOf(partitionKey, '*'), count });
    }
    return refs;
  }

  /**
   * Azure finishes a partition delete in the background: this waits (bounded) until the partition reads empty, and
   * otherwise fails the step, so the batch stays pending, is asked again later and is counted once, when it is done.
   */
  override async erase(target: ErasureTarget, refs: readonly ErasableRef[]): Promise<void> {
    const sessionIds: string[] = [];
    for (const { ref } of refs) {
      const { partitionKey } = parseRef(ref);
      const sessionId = target.sessionIds.find((candidate) => this.partitionOf(target.productId, candidate) === partitionKey);
      if (sessionId !== undefined) sessionIds.push(sessionId);
      try {
        await this.container.deleteAllItemsForPartitionKey(partitionKey);
      } catch (error) {
        if (!isCosmosStatus(error, 404)) throw toAppError(error, `Erasure of ${this.name}`);
      }
    }
    const deadline = Date.now() + this.settleTimeoutInMs;
    for (;;) {
      if ((await this.count({ ...target, sessionIds })) === 0) return;
      if (Date.now() >= deadline)
        throw new AppError('unavailable', `The partition delete in ${this.name} is still running; retrying`, { retryAfterSeconds: 30 });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const inSessions =
  (field: string) =>
  (target: ErasureTarget): Filter | undefined =>
    target.sessionIds.length === 0
      ? undefined
      : { where: `ARRAY_CONTAINS(@sessionIds, ${field})`, parameters: [{ name: '@sessionIds', value: [...target.sessionIds] }] };

const inProductSessions =
  (productField: string, sessionField: string) =>
  (target: ErasureTarget): Filter | undefined => {
    const sessions = inSessions(sessionField)(target);
    if (!sessions) return undefined;
    return {
      where: `${productField} = @productId AND ${sessions.where}`,
      parameters: [...sessions.parameters, { name: '@productId', value: target.productId }],
    };
  };

/** Where every store that is looked up by the subject's sessions finds them. */
export const sessionScopedSpecs = {
  logs: { name: 'logs', scope: 'sessions', partitionKeyField: 'pk', filter: inProductSessions('c.productId', 'c.sessionId') },
  spans: { name: 'spans', scope: 'sessions', partitionKeyField: 'pk', filter: inProductSessions('c.productId', 'c.sessionId') },
  screenshotRecords: { name: 'screenshotRecords', scope: 'sessions', partitionKeyField: 'sessionId', filter: inProductSessions('c.productId', 'c.sessionId') },
  // Report records and the session's regression alert.
  reportRecords: { name: 'reportRecords', scope: 'sessions', partitionKeyField: 'sessionId', filter: inProductSessions('c.productId', 'c.sessionId') },
  // Remembered ingest answers name their session in the body; the key itself is a hash.
  idempotencyRecords: { name: 'idempotencyRecords', scope: 'sessions', partitionKeyField: 'id', filter: inSessions('c.body.sessionId') },
  outboxRecords: { name: 'outboxRecords', scope: 'sessions', partitionKeyField: 'id', filter: inProductSessions('c.event.productId', 'c.event.sessionId') },
  deadLetters: { name: 'deadLetters', scope: 'sessions', partitionKeyField: 'subscription', filter: inProductSessions('c.body.productId', 'c.body.sessionId') },
  userSessionIndex: { name: 'userSessionIndex', scope: 'sessions', partitionKeyField: 'userKey', filter: inProductSessions('c.productId', 'c.sessionId') },
  sessions: { name: 'sessions', scope: 'sessions', partitionKeyField: 'id', filter: inProductSessions('c.productId', 'c.id') },
} as const satisfies Record<string, QuerySpec>;

/** Auto-session caps and crash reporters are kept per device (signal_rules, pk /productId). */
export const deviceSignalsSpec: QuerySpec = {
  name: 'deviceSignals',
  scope: 'subject',
  partitionKeyField: 'productId',
  filter: (target) =>
    target.subject.deviceId === undefined
      ? undefined
      : {
          where:
            "c.productId = @productId AND ((c.docType = 'reporter' AND c.deviceId = @deviceId) OR (STARTSWITH(c.id, 'deviceDay:') AND ENDSWITH(c.id, @deviceDaySuffix)))",
          parameters: [
            { name: '@productId', value: target.productId },
            { name: '@deviceId', value: target.subject.deviceId },
            { name: '@deviceDaySuffix', value: `:${target.subject.deviceId}` },
          ],
          partitionKey: target.productId,
        },
};

/** Audit paths that can name a subject in clear: session targets, the configuration of a created session, the actor. */
const auditPaths: Record<keyof ErasureSubject, { fields: string[]; actorKind?: string }> = {
  userId: { fields: ['c.target.targetUserId', 'c.details.configuration.target.targetUserId'], actorKind: 'user' },
  deviceId: { fields: ['c.target.targetDeviceId', 'c.details.configuration.target.targetDeviceId'], actorKind: 'device' },
  anonymousId: { fields: ['c.target.targetAnonymousId', 'c.details.configuration.target.targetAnonymousId'] },
};

export const auditSpec: QuerySpec = {
  name: 'auditRecords',
  scope: 'subject',
  partitionKeyField: 'productId',
  filter: (target) => {
    const clauses: string[] = [];
    const parameters: SqlParameter[] = [{ name: '@productId', value: target.productId }];
    for (const [kind, paths] of Object.entries(auditPaths) as Array<[keyof ErasureSubject, (typeof auditPaths)[keyof ErasureSubject]]>) {
      const value = target.subject[kind];
      if (value === undefined) continue;
      parameters.push({ name: `@${kind}`, value });
      for (const field of paths.fields) clauses.push(`${field} = @${kind}`);
      if (paths.actorKind) clauses.push(`(c.actor.kind = '${paths.actorKind}' AND c.actor.id = @${kind})`);
    }
    return clauses.length === 0 ? undefined : { where: `c.productId = @productId AND (${clauses.join(' OR ')})`, parameters, partitionKey: target.productId };
  },
};

/** Replaces every string equal to one of the subject's identifiers by its keyed hash. */
function pseudonymize(value: unknown, replacements: Map<string, string>): unknown {
  if (typeof value === 'string') return replacements.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => pseudonymize(item, replacements));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, pseudonymize(item, replacements)]));
  }
  return value;
}

export function replacementsOf(subject: ErasureSubject, hashes: SubjectHashes): Map<string, string> {
  const replacements = new Map<string, string>();
  for (const kind of Object.keys(auditPaths) as Array<keyof ErasureSubject>) {
    const value = subject[kind];
    const hash = hashes[kind];
    if (value !== undefined && hash !== undefined) replacements.set(value, hash);
  }
  return replacements;
}

/**
 * Audit records are evidence and stay; what names the subject in clear (targets, a created session's configuration,
 * the actor) is rewritten to the keyed hash. Only those parts: the id, product, action and time are never touched.
 */
export class CosmosAuditErasable extends CosmosQueryErasable {
  constructor(container: Container) {
    super(container, auditSpec);
  }

  override async erase(target: ErasureTarget, refs: readonly ErasableRef[]): Promise<void> {
    const replacements = replacementsOf(target.subject, target.hashes);
    for (const { ref } of refs) {
      const { partitionKey, id } = parseRef(ref);
      try {
        const { resource } = await this.container.item(id, partitionKey).read<Record<string, unknown>>();
        if (!resource) continue;
        const actor = resource.actor as { kind?: string; id?: string } | undefined;
        const rewritten: Record<string, unknown> = {
          ...resource,
          target: pseudonymize(resource.target, replacements),
          details: pseudonymize(resource.details, replacements),
          actor: actor && (actor.kind === 'user' || actor.kind === 'device') ? pseudonymize(actor, replacements) : actor,
        };
        await this.container.items.upsert(rewritten);
      } catch (error) {
        if (!isCosmosStatus(error, 404)) throw toAppError(error, 'Erasure of audit records');
      }
    }
  }
}

/**
 * The subject's sessions: targeted (debug_sessions), observed (user_sessions), or holding telemetry its device or
 * anonymous id sent (debug_logs and debug_traces, cross-partition, one new session per query so no DISTINCT is needed).
 */
export class CosmosSubjectSessionFinder implements SubjectSessionFinder {
  constructor(private readonly containers: { sessions: Container; userSessions: Container; logs: Container; traces: Container }) {}

  async find(
    productId: string,
    subject: ErasureSubject,
    window: { from?: string; to?: string; createdBefore: string },
    maxSessions: number,
  ): Promise<SessionOfSubject[]> {
    try {
      const found = new Map<string, string>();
      const inWindow = (createdAt: string) =>
        createdAt < window.createdBefore &&
        (window.from === undefined || createdAt >= new Date(window.from).toISOString()) &&
        (window.to === undefined || createdAt < new Date(window.to).toISOString());
      const add = (sessionId: string, createdAt: string) => {
        if (inWindow(createdAt)) found.set(sessionId, createdAt);
      };
      const targets: string[] = [];
      const parameters: SqlParameter[] = [{ name: '@productId', value: productId }];
      for (const [kind, field] of [
        ['userId', 'targetUserId'],
        ['anonymousId', 'targetAnonymousId'],
        ['deviceId', 'targetDeviceId'],
      ] as const) {
        if (subject[kind] === undefined) continue;
        targets.push(`c.${field} = @${kind}`);
        parameters.push({ name: `@${kind}`, value: subject[kind] });
      }
      const { resources: targeted } = await this.containers.sessions.items
        .query<{ id: string; createdAt: string }>({
          query: `SELECT c.id, c.createdAt FROM c WHERE c.productId = @productId AND (${targets.join(' OR ')})`,
          parameters,
        })
        .fetchAll();
      for (const session of targeted) add(session.id, session.createdAt);

      if (subject.userId !== undefined) {
        const userKey = `${productId}:${subject.userId}`;
        const { resources: observed } = await this.containers.userSessions.items
          .query<{ sessionId: string; sessionCreatedAt: string }>(
            { query: 'SELECT c.sessionId, c.sessionCreatedAt FROM c WHERE c.userKey = @userKey', parameters: [{ name: '@userKey', value: userKey }] },
            { partitionKey: userKey },
          )
          .fetchAll();
        for (const entry of observed) add(entry.sessionId, entry.sessionCreatedAt);
      }

      for (const [kind, field] of [
        ['deviceId', 'c.device.deviceId'],
        ['anonymousId', 'c.device.anonymousId'],
      ] as const) {
        const value = subject[kind];
        if (value === undefined) continue;
        for (const container of [this.containers.logs, this.containers.traces]) {
          const seen = new Set<string>();
          while (found.size <= maxSessions && seen.size <= maxSessions) {
            const { resources } = await container.items
              .query<{ sessionId: string }>({
                query: `SELECT TOP 1 c.sessionId FROM c WHERE c.productId = @productId AND ${field} = @value AND NOT ARRAY_CONTAINS(@seen, c.sessionId)`,
                parameters: [
                  { name: '@productId', value: productId },
                  { name: '@value', value },
                  { name: '@seen', value: [...seen] },
                ],
              })
              .fetchAll();
            const sessionId = resources[0]?.sessionId;
            if (sessionId === undefined) break;
            seen.add(sessionId);
            if (found.has(sessionId)) continue;
            const { resource } = await this.containers.sessions.item(sessionId, sessionId).read<{ createdAt?: string; productId?: string }>();
            // Telemetry whose session document is gone still belongs to the subject; it is dated by the request.
            if (!resource || resource.productId === productId) add(sessionId, resource?.createdAt ?? new Date(0).toISOString());
          }
        }
      }
      return [...found.entries()].slice(0, maxSessions + 1).map(([sessionId, createdAt]) => ({ sessionId, createdAt }));
    } catch (error) {
      throw toAppError(error, 'Erasure session lookup');
    }
  }
}

type StoredErasure = ErasureRecord & { _etag?: string };

function versioned(resource: StoredErasure | undefined, etag: string | undefined): VersionedErasure {
  if (!resource) throw new Error('Cosmos returned no resource');
  return { erasure: erasureRecordSchema.parse(resource), etag: etag ?? resource._etag ?? '' };
}

export class CosmosErasureRecordStore implements ErasureRecordStore {
  constructor(private readonly container: Container) {}

  async create(record: ErasureRecord): Promise<VersionedErasure> {
    try {
      const response = await this.container.items.create<StoredErasure>(record);
      return versioned(response.resource, response.etag);
    } catch (error) {
      throw toAppError(error, 'Erasure');
    }
  }

  async get(id: string): Promise<VersionedErasure | undefined> {
    try {
      const response = await this.container.item(id, id).read<StoredErasure>();
      return response.resource ? versioned(response.resource, response.etag) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, 'Erasure');
    }
  }

  async replace(record: ErasureRecord, ifMatch: string): Promise<VersionedErasure> {
    try {
      const response = await this.container
        .item(record.id, record.id)
        .replace<StoredErasure>(record, { accessCondition: { type: 'IfMatch', condition: ifMatch } });
      return versioned(response.resource, response.etag);
    } catch (error) {
      throw toAppError(error, 'Erasure');
    }
  }

  async listStalled(updatedBefore: string, maxItems: number): Promise<ErasureRecord[]> {
    try {
      const { resources } = await this.container.items
        .query<StoredErasure>(
          {
            query: "SELECT * FROM c WHERE ARRAY_CONTAINS(['pending', 'deleting', 'verifying'], c.state) AND c.updatedAt < @before",
            parameters: [{ name: '@before', value: updatedBefore }],
          },
          { maxItemCount: maxItems },
        )
        .fetchNext();
      return resources.slice(0, maxItems).map((resource) => erasureRecordSchema.parse(resource));
    } catch (error) {
      throw toAppError(error, 'Stalled erasures');
    }
  }
}

/** Partition keys of the stores partitioned by session. */
export const sessionPartitions = {
  telemetry: (productId: string, sessionId: string) => sessionPartitionKey(productId, sessionId),
  bySessionId: (_productId: string, sessionId: string) => sessionId,
};
