// The outbox in Cosmos (`event_outbox`, pk /id): one document per event, moved through its states by patch.
import type { Container, PatchOperation } from '@azure/cosmos';
import { outboxRecordSchema, type EventOutbox, type OutboxPage, type OutboxRecord, type OutboxState } from '../../ports/event-outbox';
import { decodeContinuation, encodeContinuation, isCosmosStatus, toAppError } from './cosmos-errors';

/** Settled records stay a week for diagnosis; unsent ones have no TTL, so even a long outage loses nothing. */
const SETTLED_RECORD_TTL_IN_SECONDS = 7 * 86_400;

export class CosmosEventOutbox implements EventOutbox {
  constructor(private readonly container: Container) {}

  async add(records: OutboxRecord[]): Promise<void> {
    try {
      await Promise.all(
        records.map(async (record) => {
          try {
            await this.container.items.create(record);
          } catch (error) {
            // A retried add of the same event: the first one stands.
            if (!isCosmosStatus(error, 409)) throw error;
          }
        }),
      );
    } catch (error) {
      throw toAppError(error, 'Outbox record');
    }
  }

  async setState(ids: string[], state: OutboxState, at: Date, options: { countAttempt?: boolean } = {}): Promise<void> {
    const operations: PatchOperation[] = [
      { op: 'set', path: '/state', value: state },
      { op: 'set', path: '/updatedAt', value: at.toISOString() },
    ];
    if (state === 'sent') operations.push({ op: 'set', path: '/sentAt', value: at.toISOString() });
    if (state === 'sent' || state === 'abandoned') operations.push({ op: 'set', path: '/ttl', value: SETTLED_RECORD_TTL_IN_SECONDS });
    if (options.countAttempt) operations.push({ op: 'incr', path: '/publishAttempts', value: 1 });
    try {
      await Promise.all(
        ids.map(async (id) => {
          try {
            await this.container.item(id, id).patch(operations);
          } catch (error) {
            if (!isCosmosStatus(error, 404)) throw error;
          }
        }),
      );
    } catch (error) {
      throw toAppError(error, 'Outbox record');
    }
  }

  async listUnsent(page: { maxItems: number; continuationToken?: string }): Promise<OutboxPage> {
    try {
      const response = await this.container.items
        .query<OutboxRecord>(
          { query: "SELECT * FROM c WHERE c.state = 'ready' OR c.state = 'prepared' ORDER BY c.createdAt ASC", parameters: [] },
          { maxItemCount: page.maxItems, continuationToken: decodeContinuation(page.continuationToken) },
        )
        .fetchNext();
      return {
        items: response.resources.map((resource) => outboxRecordSchema.parse(resource)),
        continuationToken: encodeContinuation(response.continuationToken),
      };
    } catch (error) {
      throw toAppError(error, 'Outbox');
    }
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    try {
      const { resource } = await this.container.item(id, id).read<OutboxRecord>();
      return resource ? outboxRecordSchema.parse(resource) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, 'Outbox record');
    }
  }
}
