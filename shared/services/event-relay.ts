// Lossless publishing: events are stored in the outbox first, sent to the bus right away when it is up,
// and re-sent by the drain timer when it was not. Duplicates are harmless (messageId = event id).
import { isAppError } from '../errors';
import type { Clock } from '../ports/clock';
import type { EventOutbox, GuardedEventPublisher, OutboxRecord } from '../ports/event-outbox';
import { eventEnvelopeSchema, type EventEnvelope } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';

export interface EventRelayDependencies {
  outbox: EventOutbox;
  /** The raw topic sender (Service Bus, or the in-process bus locally). */
  bus: EventPublisher;
  sessions: Pick<SessionStore, 'recordedEventIds'>;
  clock: Clock;
  telemetry: Telemetry;
  /**
   * How long a `prepared` record may wait for its session write before the drain gives it up.
   * Longer than any session write can take, so an in-flight write is never mistaken for a failed one.
   */
  preparedGraceInMs: number;
}

/** Service Bus takes at most 256 KB per batch on Standard; events are small, 50 stays well inside. */
const BUS_BATCH_SIZE = 50;

function records(events: EventEnvelope[], state: 'prepared' | 'ready', now: Date, guardSessionId?: string): OutboxRecord[] {
  const at = now.toISOString();
  return events.map((event) => ({ id: event.id, state, event, guardSessionId, createdAt: at, updatedAt: at, publishAttempts: 0 }));
}

export class OutboxEventPublisher implements GuardedEventPublisher {
  constructor(private readonly deps: EventRelayDependencies) {}

  /** For events whose state change is already stored (ingest.fatal, screenshot.captured, report.generated, …). */
  async publish(events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    for (const event of events) eventEnvelopeSchema.parse(event);
    await this.deps.outbox.add(records(events, 'ready', this.deps.clock.now()));
    await this.relay(events);
  }

  /**
   * Outbox first (`prepared`), then the write, which stores the event ids on the session document as proof.
   * If the write certainly failed (a 4xx such as 412), the records are abandoned at once; if its outcome is
   * unknown (crash, timeout), the drain later finds the proof on the session or abandons them after the grace period.
   */
  async publishWithWrite<T>(events: EventEnvelope[], guard: { sessionId: string }, write: (eventIds: string[]) => Promise<T>): Promise<T> {
    for (const event of events) eventEnvelopeSchema.parse(event);
    const ids = events.map((event) => event.id);
    await this.deps.outbox.add(records(events, 'prepared', this.deps.clock.now(), guard.sessionId));
    let result: T;
    try {
      result = await write(ids);
    } catch (error) {
      if (isAppError(error) && error.isClientError) {
        // Best effort: a leftover prepared record is abandoned by the drain anyway, as its proof never appears.
        await this.deps.outbox.setState(ids, 'abandoned', this.deps.clock.now()).catch(() => undefined);
      }
      throw error;
    }
    await this.relay(events);
    return result;
  }

  /** Sends now; on failure the records wait for the drain. Never throws: the state change already stands. */
  private async relay(events: EventEnvelope[]): Promise<void> {
    const ids = events.map((event) => event.id);
    try {
      await this.deps.bus.publish(events);
    } catch {
      for (const event of events) this.deps.telemetry.metric('event.publish_failure_total', 1, { type: event.type });
      // The write is certain now, so the drain need not look for its proof.
      await this.deps.outbox.setState(ids, 'ready', this.deps.clock.now(), { countAttempt: true }).catch(() => undefined);
      return;
    }
    this.deps.telemetry.metric('event.published_total', events.length, { via: 'direct' });
    // If this fails the drain sends them again; subscribers drop the duplicate by event id.
    await this.deps.outbox.setState(ids, 'sent', this.deps.clock.now()).catch(() => undefined);
  }
}

export interface DrainResult {
  published: number;
  abandoned: number;
  /** Prepared records whose write may still be in flight. */
  waiting: number;
  /** Records the bus refused this run; they stay for the next. */
  failed: number;
}

/**
 * Publishes what the outbox still holds, oldest first, page by page within a time budget (the rest is
 * the next run's). Safe to run concurrently with itself and with direct sends: the worst case is a duplicate.
 */
export async function drainOutbox(deps: EventRelayDependencies, options: { pageSize: number; budgetInMs: number }): Promise<DrainResult> {
  const result: DrainResult = { published: 0, abandoned: 0, waiting: 0, failed: 0 };
  const deadline = Date.now() + options.budgetInMs;
  let continuationToken: string | undefined;
  do {
    const page = await deps.outbox.listUnsent({ maxItems: options.pageSize, continuationToken });
    continuationToken = page.continuationToken;
    const publishable: OutboxRecord[] = [];
    const abandon: string[] = [];
    const now = deps.clock.now();
    for (const record of page.items) {
      if (record.state === 'ready') {
        publishable.push(record);
        continue;
      }
      const proof = record.guardSessionId ? await deps.sessions.recordedEventIds(record.guardSessionId) : undefined;
      if (proof?.includes(record.id)) publishable.push(record);
      else if (now.getTime() - Date.parse(record.createdAt) > deps.preparedGraceInMs) abandon.push(record.id);
      else result.waiting++;
    }
    if (abandon.length) {
      await deps.outbox.setState(abandon, 'abandoned', now);
      result.abandoned += abandon.length;
      deps.telemetry.metric('event.outbox_abandoned_total', abandon.length);
    }
    for (let start = 0; start < publishable.length; start += BUS_BATCH_SIZE) {
      const batch = publishable.slice(start, start + BUS_BATCH_SIZE);
      const ids = batch.map((record) => record.id);
      try {
        await deps.bus.publish(batch.map((record) => record.event));
      } catch {
        // The bus is still down: stop here, everything left waits for the next run.
        result.failed += publishable.length - start;
        await deps.outbox.setState(ids, 'ready', deps.clock.now(), { countAttempt: true }).catch(() => undefined);
        return result;
      }
      await deps.outbox.setState(ids, 'sent', deps.clock.now());
      result.published += batch.length;
      deps.telemetry.metric('event.published_total', batch.length, { via: 'drain' });
    }
  } while (continuationToken && Date.now() < deadline);
  return result;
}
