// The per-user session index in Cosmos (`user_sessions`, pk /userKey): writes by id, reads one partition.
import type { Container } from '@azure/cosmos';
import { userKeyOf, userSessionEntrySchema, type UserSessionEntry, type UserSessionIndex } from '../../ports/user-session-index';
import type { Page } from '../../ports/session-store';
import { decodeContinuation, encodeContinuation, isCosmosStatus, toAppError } from './cosmos-errors';

export class CosmosUserSessionIndex implements UserSessionIndex {
  constructor(private readonly container: Container) {}

  async upsert(entry: UserSessionEntry): Promise<void> {
    try {
      await this.container.items.upsert(entry);
    } catch (error) {
      throw toAppError(error, 'User session index');
    }
  }

  async createIfAbsent(entry: UserSessionEntry): Promise<void> {
    try {
      await this.container.items.create(entry);
    } catch (error) {
      if (isCosmosStatus(error, 409)) return;
      throw toAppError(error, 'User session index');
    }
  }

  async list(productId: string, userId: string, page: { maxItems: number; continuationToken?: string }): Promise<Page<UserSessionEntry>> {
    const userKey = userKeyOf(productId, userId);
    try {
      const response = await this.container.items
        .query<Record<string, unknown>>(
          { query: 'SELECT * FROM c WHERE c.userKey = @userKey ORDER BY c.sessionCreatedAt DESC', parameters: [{ name: '@userKey', value: userKey }] },
          { partitionKey: userKey, maxItemCount: page.maxItems, continuationToken: decodeContinuation(page.continuationToken) },
        )
        .fetchNext();
      return {
        items: response.resources.map((resource) => userSessionEntrySchema.parse(resource)),
        continuationToken: encodeContinuation(response.continuationToken),
      };
    } catch (error) {
      throw toAppError(error, 'User session index');
    }
  }
}
