// Which telemetry store the benchmark host writes to: the embedded Cosmos (the real adapter) or a no-op
// adapter that accepts every document, so the runtime's own cost can be measured without storage.
import type { DependencyOverrides } from '../../shared/runtime/composition';

export function benchStoreOverrides(store: string): DependencyOverrides {
  if (store === 'cosmos') return {};
  throw new Error(`BENCH_STORE=${store}: only "cosmos" is wired until ingest lands`);
}
