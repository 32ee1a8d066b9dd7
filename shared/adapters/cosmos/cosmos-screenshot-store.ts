// Screenshot metadata in Cosmos (`debug_screenshots`, pk /sessionId): every read stays in the session's partition.
import type { Container } from '@azure/cosmos';
import { screenshotDocSchema, type ScreenshotDoc } from '../../domain/screenshots/screenshot';
import type { ScreenshotStore, VersionedScreenshot } from '../../ports/screenshot-store';
import type { Page } from '../../ports/session-store';
import { decodeContinuation, encodeContinuation, isCosmosStatus, toAppError } from './cosmos-errors';

function fromStored(resource: (ScreenshotDoc & { _etag?: string }) | undefined, etag: string | undefined): VersionedScreenshot {
  if (!resource) throw new Error('Cosmos returned no resource');
  return { screenshot: screenshotDocSchema.parse(resource), etag: etag ?? resource._etag ?? '' };
}

export class CosmosScreenshotStore implements ScreenshotStore {
  constructor(private readonly container: Container) {}

  async create(doc: ScreenshotDoc): Promise<VersionedScreenshot> {
    try {
      const response = await this.container.items.create(doc);
      return fromStored(response.resource, response.etag);
    } catch (error) {
      throw toAppError(error, `Screenshot ${doc.id}`);
    }
  }

  async get(sessionId: string, screenshotId: string): Promise<VersionedScreenshot | undefined> {
    try {
      const response = await this.container.item(screenshotId, sessionId).read<ScreenshotDoc & { _etag?: string }>();
      return response.resource ? fromStored(response.resource, response.etag) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, `Screenshot ${screenshotId}`);
    }
  }

  async replace(doc: ScreenshotDoc, ifMatch: string): Promise<VersionedScreenshot> {
    try {
      const response = await this.container.item(doc.id, doc.sessionId).replace(doc, { accessCondition: { type: 'IfMatch', condition: ifMatch } });
      return fromStored(response.resource, response.etag);
    } catch (error) {
      throw toAppError(error, `Screenshot ${doc.id}`);
    }
  }

  async list(sessionId: string, page: { maxItems: number; continuationToken?: string }): Promise<Page<ScreenshotDoc>> {
    try {
      const response = await this.container.items
        .query<ScreenshotDoc>(
          { query: 'SELECT * FROM c WHERE c.sessionId = @sessionId ORDER BY c.createdAt ASC', parameters: [{ name: '@sessionId', value: sessionId }] },
          { partitionKey: sessionId, maxItemCount: page.maxItems, continuationToken: decodeContinuation(page.continuationToken) },
        )
        .fetchNext();
      return {
        items: response.resources.map((resource) => screenshotDocSchema.parse(resource)),
        continuationToken: encodeContinuation(response.continuationToken),
      };
    } catch (error) {
      throw toAppError(error, 'Screenshot list');
    }
  }

  async listAbandoned(before: string, maxItems: number): Promise<ScreenshotDoc[]> {
    try {
      const response = await this.container.items
        .query<ScreenshotDoc>(
          { query: "SELECT * FROM c WHERE c.status = 'pending' AND c.uploadExpiresAt < @before", parameters: [{ name: '@before', value: before }] },
          { maxItemCount: maxItems },
        )
        .fetchNext();
      return response.resources.slice(0, maxItems).map((resource) => screenshotDocSchema.parse(resource));
    } catch (error) {
      throw toAppError(error, 'Abandoned screenshot list');
    }
  }
}
