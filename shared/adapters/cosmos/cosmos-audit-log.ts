// The audit trail in Cosmos (`audit_log`, pk /productId); create-if-absent by id makes a retried write harmless.
import type { Container, SqlParameter } from '@azure/cosmos';
import { auditRecordSchema, type AuditLog, type AuditQuery, type AuditRecord } from '../../ports/audit-log';
import { decodeContinuation, encodeContinuation, isCosmosStatus, toAppError } from './cosmos-errors';

export class CosmosAuditLog implements AuditLog {
  constructor(private readonly container: Container) {}

  /**
   * The first write of an id stands: a late repeat (the audit subscriber writing the record an event carried) must not
   * put back what an erasure rewrote to the hashed subject.
   */
  async record(entry: AuditRecord): Promise<void> {
    try {
      await this.container.items.create(entry);
    } catch (error) {
      if (isCosmosStatus(error, 409)) return;
      throw toAppError(error, 'Audit record');
    }
  }

  async list(productId: string, filter: AuditQuery, page: { maxItems: number; continuationToken?: string }) {
    const conditions = ['c.productId = @productId'];
    const parameters: SqlParameter[] = [{ name: '@productId', value: productId }];
    if (filter.sessionId) {
      conditions.push('c.sessionId = @sessionId');
      parameters.push({ name: '@sessionId', value: filter.sessionId });
    }
    if (filter.action) {
      conditions.push('c.action = @action');
      parameters.push({ name: '@action', value: filter.action });
    }
    if (filter.actor) {
      conditions.push('c.actor.id = @actor');
      parameters.push({ name: '@actor', value: filter.actor });
    }
    if (filter.from) {
      conditions.push('c.at >= @from');
      parameters.push({ name: '@from', value: filter.from });
    }
    if (filter.to) {
      conditions.push('c.at < @to');
      parameters.push({ name: '@to', value: filter.to });
    }
    try {
      const response = await this.container.items
        .query(
          { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.at DESC`, parameters },
          {
            maxItemCount: page.maxItems,
            partitionKey: productId,
            continuationToken: decodeContinuation(page.continuationToken),
          },
        )
        .fetchNext();
      return {
        items: response.resources.map((resource) => auditRecordSchema.parse(resource)),
        continuationToken: encodeContinuation(response.continuationToken),
      };
    } catch (error) {
      throw toAppError(error, 'Audit list');
    }
  }
}
