// Idempotency keys in Cosmos (`ingest_idempotency`, pk /id, TTL one day): create-if-absent keeps the first answer.
import type { Container } from '@azure/cosmos';
import type { IdempotencyStore, RememberedAnswer } from '../../ports/idempotency-store';
import { isCosmosStatus, toAppError } from './cosmos-errors';

interface StoredAnswer {
  id: string;
  status: number;
  body: unknown;
  createdAt: string;
}

export class CosmosIdempotencyStore implements IdempotencyStore {
  constructor(private readonly container: Container) {}

  async get(key: string): Promise<RememberedAnswer | undefined> {
    try {
      const { resource } = await this.container.item(key, key).read<StoredAnswer>();
      return resource ? { key, status: resource.status, body: resource.body, createdAt: resource.createdAt } : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, 'Idempotency record');
    }
  }

  async remember(answer: RememberedAnswer): Promise<void> {
    try {
      await this.container.items.create<StoredAnswer>({ id: answer.key, status: answer.status, body: answer.body, createdAt: answer.createdAt });
    } catch (error) {
      if (isCosmosStatus(error, 409)) return;
      throw toAppError(error, 'Idempotency record');
    }
  }
}
