// Signal buckets in Cosmos (`signal_buckets`, pk /productId): one document per product, series, dimensions
// and minute (and one per hour, the rollup), merged with patch increments so concurrent reports add up.
import type { Container, PatchOperation } from '@azure/cosmos';
import { AppError } from '../../errors';
import { bucketId, floorToHour, quantileNames, seriesKey, type Bucket, type Dimensions, type QuantileName, type SignalPoint, type StoredSeries } from '../../domain/signals/series';
import type { BucketQuery, Resolution, SignalStore } from '../../ports/signal-store';
import { isCosmosStatus, toAppError } from './cosmos-errors';

/** Hourly rollups outlive the minute buckets: hour-of-week seasonality needs weeks of history. */
export const HOURLY_TTL_IN_SECONDS = 90 * 86_400;
/** Buckets written at once per request; the rest wait their turn (a batch has at most a few hundred). */
const WRITE_CONCURRENCY = 16;
const MAX_ATTEMPTS = 3;

interface BucketDocument {
  id: string;
  productId: string;
  resolution: Resolution;
  series: StoredSeries;
  key: string;
  dimensions: Dimensions;
  start: number;
  time: string;
  sum: number;
  count: number;
  q?: Partial<Record<QuantileName, number>>;
  ttl?: number;
}

function documentOf(productId: string, resolution: Resolution, point: SignalPoint): BucketDocument {
  const start = resolution === 'minute' ? point.minute : floorToHour(point.minute);
  const key = seriesKey(point.series, point.dimensions);
  const document: BucketDocument = {
    id: bucketId(resolution, key, start),
    productId,
    resolution,
    series: point.series,
    key,
    dimensions: point.dimensions,
    start,
    time: new Date(start).toISOString(),
    sum: point.sum,
    count: point.count,
  };
  if (point.weightedQuantiles) document.q = { p50: 0, p95: 0, p99: 0, ...point.weightedQuantiles };
  if (resolution === 'hour') document.ttl = HOURLY_TTL_IN_SECONDS;
  return document;
}

function incrementsOf(document: BucketDocument): PatchOperation[] {
  const operations: PatchOperation[] = [
    { op: 'incr', path: '/sum', value: document.sum },
    { op: 'incr', path: '/count', value: document.count },
  ];
  for (const name of quantileNames) {
    const value = document.q?.[name];
    if (value) operations.push({ op: 'incr', path: `/q/${name}`, value });
  }
  return operations;
}

export class CosmosSignalStore implements SignalStore {
  constructor(private readonly container: Container) {}

  async add(productId: string, points: SignalPoint[]): Promise<void> {
    const documents = points.flatMap((point) => [documentOf(productId, 'minute', point), documentOf(productId, 'hour', point)]);
    let next = 0;
    const worker = async () => {
      while (next < documents.length) await this.merge(documents[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, documents.length) }, worker));
  }

  /** Patch first (the bucket usually exists); create when it does not; patch again if another writer created it meanwhile. */
  private async merge(document: BucketDocument): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.container.item(document.id, document.productId).patch(incrementsOf(document));
        return;
      } catch (error) {
        if (!isCosmosStatus(error, 404)) throw toAppError(error, 'Signal bucket');
      }
      try {
        await this.container.items.create(document);
        return;
      } catch (error) {
        if (!isCosmosStatus(error, 409)) throw toAppError(error, 'Signal bucket');
      }
    }
    throw new AppError('unavailable', 'A signal bucket kept changing; retry shortly', { retryAfterSeconds: 1 });
  }

  async read(productId: string, query: BucketQuery): Promise<Bucket[]> {
    const conditions = ['c.resolution = @resolution', 'ARRAY_CONTAINS(@series, c.series)', 'c.start >= @from', 'c.start < @to'];
    const parameters: Array<{ name: string; value: string | number | string[] }> = [
      { name: '@resolution', value: query.resolution },
      { name: '@series', value: query.series },
      { name: '@from', value: query.from },
      { name: '@to', value: query.to },
    ];
    if (query.filter?.appVersion !== undefined) {
      conditions.push('c.dimensions.appVersion = @appVersion');
      parameters.push({ name: '@appVersion', value: query.filter.appVersion });
    }
    if (query.filter?.route !== undefined) {
      conditions.push('(c.series = "errors" OR c.series = "crashes" OR c.dimensions.route = @route)');
      parameters.push({ name: '@route', value: query.filter.route });
    }
    const iterator = this.container.items.query<BucketDocument>(
      { query: `SELECT c.series, c.dimensions, c.start, c.sum, c.count, c.q FROM c WHERE ${conditions.join(' AND ')}`, parameters },
      { partitionKey: productId, maxItemCount: 1000 },
    );
    const buckets: Bucket[] = [];
    try {
      while (iterator.hasMoreResults()) {
        const page = await iterator.fetchNext();
        for (const document of page.resources ?? []) {
          buckets.push({ series: document.series, dimensions: document.dimensions ?? {}, start: document.start, sum: document.sum, count: document.count, weightedQuantiles: document.q });
        }
        if (buckets.length > query.maxBuckets) {
          throw new AppError('invalid_input', `The range holds more than ${query.maxBuckets} buckets; narrow it (from/to) or filter by appVersion or route`, {
            issues: [{ field: 'from', message: 'range too large' }],
          });
        }
      }
    } catch (error) {
      throw toAppError(error, 'Signal buckets');
    }
    return buckets;
  }
}
