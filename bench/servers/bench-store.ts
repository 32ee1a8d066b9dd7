// Which telemetry store the benchmark host writes to: the embedded Cosmos (the real adapter) or a no-op
// adapter that accepts every document, so the runtime's own cost can be measured without storage.
import type { LogDoc, SpanDoc } from '../../shared/domain/telemetry/items';
import type { TelemetryStore, UpsertOutcome } from '../../shared/ports/telemetry-store';
import type { DependencyOverrides } from '../../shared/runtime/composition';

/** Accepts and forgets: every document counts as newly created, so the rest of ingest does what it would after a real write. */
export class NoopTelemetryStore implements TelemetryStore {
  documents = 0;

  private accept(docs: Array<LogDoc | SpanDoc>): Promise<UpsertOutcome> {
    this.documents += docs.length;
    return Promise.resolve({ written: docs.length, created: docs.map((doc) => doc.id), failed: [] });
  }

  upsertLogs(_session: unknown, docs: LogDoc[]): Promise<UpsertOutcome> {
    return this.accept(docs);
  }

  upsertSpans(_session: unknown, docs: SpanDoc[]): Promise<UpsertOutcome> {
    return this.accept(docs);
  }

  listLogs() {
    return Promise.resolve({ items: [] });
  }

  listSpans() {
    return Promise.resolve({ items: [] });
  }

  listTimeline() {
    return Promise.resolve({ items: [] });
  }
}

export function benchStoreOverrides(store: string): DependencyOverrides {
  if (store === 'cosmos') return {};
  if (store === 'noop') return { telemetryStore: new NoopTelemetryStore() };
  throw new Error(`BENCH_STORE=${store}: use cosmos or noop`);
}
