// Throttle windows in Cosmos (`notification_throttle`, pk /id = hash of the alert key): create/If-Match, patch incr.
import type { Container } from '@azure/cosmos';
import type { ThrottleState } from '../../domain/events/throttle';
import type { AlertThrottleStore, VersionedThrottleState } from '../../ports/alert-throttle';
import { documentIdOf } from './cosmos-subscriber-ledger';
import { isCosmosStatus, toAppError } from './cosmos-errors';

interface StoredThrottle extends ThrottleState {
  id: string;
  _etag?: string;
}

function toState(resource: StoredThrottle): ThrottleState {
  return {
    alertKey: resource.alertKey,
    windowStartedAt: resource.windowStartedAt,
    sentEventId: resource.sentEventId,
    folded: resource.folded,
    foldedBeforeWindow: resource.foldedBeforeWindow,
    ...(Array.isArray(resource.sentEventIds) ? { sentEventIds: resource.sentEventIds } : {}),
  };
}

export class CosmosAlertThrottleStore implements AlertThrottleStore {
  constructor(private readonly container: Container) {}

  async get(alertKey: string): Promise<VersionedThrottleState | undefined> {
    const id = documentIdOf(alertKey);
    try {
      const response = await this.container.item(id, id).read<StoredThrottle>();
      return response.resource ? { state: toState(response.resource), etag: response.etag ?? response.resource._etag ?? '' } : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, 'Throttle state');
    }
  }

  async create(state: ThrottleState): Promise<boolean> {
    try {
      await this.container.items.create({ ...state, id: documentIdOf(state.alertKey) });
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 409)) return false;
      throw toAppError(error, 'Throttle state');
    }
  }

  async replace(state: ThrottleState, etag: string): Promise<boolean> {
    const id = documentIdOf(state.alertKey);
    try {
      await this.container.item(id, id).replace({ ...state, id }, { accessCondition: { type: 'IfMatch', condition: etag } });
      return true;
    } catch (error) {
      if (isCosmosStatus(error, 412) || isCosmosStatus(error, 404)) return false;
      throw toAppError(error, 'Throttle state');
    }
  }

  async fold(alertKey: string): Promise<void> {
    const id = documentIdOf(alertKey);
    try {
      await this.container.item(id, id).patch([{ op: 'incr', path: '/folded', value: 1 }]);
    } catch (error) {
      throw toAppError(error, 'Throttle state');
    }
  }
}
