// Pattern hooks in Cosmos (`pattern_hooks`, pk /productId): a product's hooks are one single-partition query.
import type { Container } from '@azure/cosmos';
import { patternHookSchema, type PatternHook } from '../../domain/hooks/pattern-hook';
import type { PatternHookStore, VersionedHook } from '../../ports/pattern-hook-store';
import { isCosmosStatus, toAppError } from './cosmos-errors';

function fromResource(resource: Record<string, unknown>): PatternHook {
  const { _rid, _self, _etag, _attachments, _ts, ...hook } = resource;
  // Validated on the way out: a document written by an older version must not reach the matcher malformed.
  return patternHookSchema.parse(hook);
}

export class CosmosPatternHookStore implements PatternHookStore {
  constructor(private readonly container: Container) {}

  async create(hook: PatternHook): Promise<VersionedHook> {
    try {
      const response = await this.container.items.create<PatternHook>(hook);
      return { hook, etag: response.etag ?? '' };
    } catch (error) {
      throw toAppError(error, `Hook ${hook.id}`);
    }
  }

  async get(productId: string, hookId: string): Promise<VersionedHook | undefined> {
    try {
      const response = await this.container.item(hookId, productId).read<Record<string, unknown>>();
      if (!response.resource) return undefined;
      return { hook: fromResource(response.resource), etag: response.etag ?? String(response.resource._etag ?? '') };
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, `Hook ${hookId}`);
    }
  }

  async list(productId: string): Promise<PatternHook[]> {
    try {
      const { resources } = await this.container.items
        .query<Record<string, unknown>>(
          { query: 'SELECT * FROM c WHERE c.productId = @productId', parameters: [{ name: '@productId', value: productId }] },
          { partitionKey: productId },
        )
        .fetchAll();
      return resources.map(fromResource).sort((left, right) => left.createdAt.localeCompare(right.createdAt) || left.id.localeCompare(right.id));
    } catch (error) {
      throw toAppError(error, 'Hook list');
    }
  }

  async replace(hook: PatternHook, etag: string): Promise<VersionedHook> {
    try {
      const response = await this.container.item(hook.id, hook.productId).replace<PatternHook>(hook, { accessCondition: { type: 'IfMatch', condition: etag } });
      return { hook, etag: response.etag ?? '' };
    } catch (error) {
      throw toAppError(error, `Hook ${hook.id}`);
    }
  }

  async delete(productId: string, hookId: string): Promise<boolean> {
    try {
      await this.container.item(hookId, productId).delete();
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return false;
      throw toAppError(error, `Hook ${hookId}`);
    }
  }
}
