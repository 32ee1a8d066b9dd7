// The subscribers' ledger in Cosmos: `processed_events` (pk /id) for done markers, `dead_letters` (pk /subscription).
import { createHash } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { deadLetterRecordSchema, type DeadLetterRecord, type SubscriberLedger } from '../../ports/subscriber-ledger';
import { decodeContinuation, encodeContinuation, isCosmosStatus, toAppError } from './cosmos-errors';

/** Cosmos ids may not contain / \ ? #; a hash keeps any key valid and short. */
export function documentIdOf(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export class CosmosSubscriberLedger implements SubscriberLedger {
  constructor(
    private readonly processed: Container,
    private readonly deadLetters: Container,
  ) {}

  async isDone(key: string): Promise<boolean> {
    const id = documentIdOf(key);
    try {
      const { resource } = await this.processed.item(id, id).read();
      return resource !== undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return false;
      throw toAppError(error, 'Processed-event marker');
    }
  }

  async markDone(key: string, at: Date): Promise<void> {
    try {
      await this.processed.items.upsert({ id: documentIdOf(key), key, at: at.toISOString() });
    } catch (error) {
      throw toAppError(error, 'Processed-event marker');
    }
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    try {
      await this.deadLetters.items.upsert({ ...record, id: documentIdOf(record.id), key: record.id });
    } catch (error) {
      throw toAppError(error, 'Dead-letter record');
    }
  }

  async listDeadLetters(subscription: string, page: { maxItems: number; continuationToken?: string }) {
    try {
      const response = await this.deadLetters.items
        .query<DeadLetterRecord & { key: string }>(
          { query: 'SELECT * FROM c WHERE c.subscription = @subscription ORDER BY c.at DESC', parameters: [{ name: '@subscription', value: subscription }] },
          { partitionKey: subscription, maxItemCount: page.maxItems, continuationToken: decodeContinuation(page.continuationToken) },
        )
        .fetchNext();
      return {
        items: response.resources.map((resource) => deadLetterRecordSchema.parse({ ...resource, id: resource.key })),
        continuationToken: encodeContinuation(response.continuationToken),
      };
    } catch (error) {
      throw toAppError(error, 'Dead-letter list');
    }
  }
}
