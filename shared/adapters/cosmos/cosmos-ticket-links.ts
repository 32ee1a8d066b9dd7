// alert key → ticket in Cosmos (`ticket_links`, pk /id = hash of the alert key).
import type { Container } from '@azure/cosmos';
import { ticketLinkSchema, type TicketLink, type TicketLinkStore } from '../../ports/ticket-tracker';
import { documentIdOf } from './cosmos-subscriber-ledger';
import { isCosmosStatus, toAppError } from './cosmos-errors';

export class CosmosTicketLinkStore implements TicketLinkStore {
  constructor(private readonly container: Container) {}

  async get(alertKey: string): Promise<{ link: TicketLink; etag: string } | undefined> {
    const id = documentIdOf(alertKey);
    try {
      const response = await this.container.item(id, id).read<TicketLink & { _etag?: string }>();
      if (!response.resource) return undefined;
      return { link: ticketLinkSchema.parse(response.resource), etag: response.etag ?? response.resource._etag ?? '' };
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, 'Ticket link');
    }
  }

  async create(link: TicketLink): Promise<boolean> {
    try {
      await this.container.items.create({ ...link, id: documentIdOf(link.alertKey) });
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 409)) return false;
      throw toAppError(error, 'Ticket link');
    }
  }

  async alertKeysOfSession(sessionId: string, maxItems: number): Promise<string[]> {
    try {
      // Cross-partition, but only on a regression report: rare next to the per-event point reads.
      const { resources } = await this.container.items
        .query<{ alertKey: string }>(
          { query: 'SELECT c.alertKey FROM c WHERE ARRAY_CONTAINS(c.sessionIds, @sessionId)', parameters: [{ name: '@sessionId', value: sessionId }] },
          { maxItemCount: maxItems },
        )
        .fetchNext();
      return resources.slice(0, maxItems).map((resource) => resource.alertKey);
    } catch (error) {
      throw toAppError(error, 'Ticket link');
    }
  }

  async replace(link: TicketLink, etag: string): Promise<boolean> {
    const id = documentIdOf(link.alertKey);
    try {
      await this.container.item(id, id).replace({ ...link, id }, { accessCondition: { type: 'IfMatch', condition: etag } });
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 412)) return false;
      throw toAppError(error, 'Ticket link');
    }
  }
}
