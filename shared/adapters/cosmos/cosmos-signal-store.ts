// Signal buckets in Cosmos (`signal_buckets`, pk /productId): one document per product, series, dimensions
// and minute (and one per hour, the rollup), merged with patch increments so concurrent reports add up; beside
// them the totals rules read (per product, app version, route), written the same way.
import type { Container, PatchOperation } from '@azure/cosmos';
import { AppError } from '../../errors';
import {
  bucketId,
  floorToHour,
  quantileNames,
  seriesKey,
  totalHeldBy,
  totalOfFilter,
  totalPoints,
  type Bucket,
  type Dimensions,
  type QuantileName,
  type SignalPoint,
  type StoredSeries,
  type TotalName,
} from '../../domain/signals/series';
import { BUCKET_LIMIT_ISSUE, type BucketQuery, type Resolution, type SignalStore } from '../../ports/signal-store';
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
  /** The total this bucket holds: set on totals, and on a per-series bucket that is a total already. */
  total?: TotalName;
  /** A total only (its points are in per-series buckets too): per-series reads leave it out. */
  derived?: true;
}

type Kind = 'series' | 'total';

function documentOf(productId: string, resolution: Resolution, point: SignalPoint, kind: Kind): BucketDocument {
  const start = resolution === 'minute' ? point.minute : floorToHour(point.minute);
  // A total's key differs from a per-series bucket's with the same dimensions (an error without a fingerprint).
  const key = `${kind === 'total' ? 'total:' : ''}${seriesKey(point.series, point.dimensions)}`;
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
  const total = kind === 'total' ? totalOfFilter(point.dimensions) : totalHeldBy(point.dimensions);
  if (total) document.total = total;
  if (kind === 'total') document.derived = true;
  return document;
}

/** One document per id: a batch spanning minutes of one hour patches that hour's rollup once. */
function mergeById(documents: BucketDocument[]): BucketDocument[] {
  const merged = new Map<string, BucketDocument>();
  for (const document of documents) {
    const known = merged.get(document.id);
    if (!known) {
      merged.set(document.id, document.q ? { ...document, q: { ...document.q } } : { ...document });
      continue;
    }
    known.sum += document.sum;
    known.count += document.count;
    if (document.q) {
      known.q ??= {};
      for (const name of quantileNames) known.q[name] = (known.q[name] ?? 0) + (document.q[name] ?? 0);
    }
  }
  return [...merged.values()];
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
    const documents = mergeById(
      [...points.map((point) => ({ point, kind: 'series' as const })), ...totalPoints(points).map((point) => ({ point, kind: 'total' as const }))].flatMap(
        ({ point, kind }) => [documentOf(productId, 'minute', point, kind), documentOf(productId, 'hour', point, kind)],
      ),
    );
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
    // The product is named in the query too: the partition key option alone does not scope a query on the
    // embedded Cosmos (the local host and tests), which would add up other products' buckets.
    const conditions = ['c.productId = @productId', 'c.resolution = @resolution', 'ARRAY_CONTAINS(@series, c.series)', 'c.start >= @from', 'c.start < @to'];
    const parameters: Array<{ name: string; value: string | number | string[] }> = [
      { name: '@productId', value: productId },
      { name: '@resolution', value: query.resolution },
      { name: '@series', value: query.series },
      { name: '@from', value: query.from },
      { name: '@to', value: query.to },
    ];
    const filter = query.filter ?? {};
    if (filter.appVersion !== undefined) {
      conditions.push('c.dimensions.appVersion = @appVersion');
      parameters.push({ name: '@appVersion', value: filter.appVersion });
    }
    if (query.view === 'totals') {
      // Every condition here is on an indexed path, so the read loads the totals it returns and nothing else.
      conditions.push('c.total = @total');
      parameters.push({ name: '@total', value: totalOfFilter(filter) });
      if (filter.route !== undefined) {
        conditions.push('c.dimensions.route = @route');
        parameters.push({ name: '@route', value: filter.route });
      }
    } else {
      conditions.push('NOT IS_DEFINED(c.derived)');
      if (filter.route !== undefined) {
        conditions.push('(c.series = "errors" OR c.series = "crashes" OR c.dimensions.route = @route)');
        parameters.push({ name: '@route', value: filter.route });
      }
      if (filter.fingerprint !== undefined) {
        conditions.push('((c.series != "errors" AND c.series != "crashes") OR c.dimensions.fingerprint = @fingerprint)');
        parameters.push({ name: '@fingerprint', value: filter.fingerprint });
      }
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
          buckets.push({
            series: document.series,
            dimensions: document.dimensions ?? {},
            start: document.start,
            sum: document.sum,
            count: document.count,
            weightedQuantiles: document.q,
          });
        }
        if (buckets.length > query.maxBuckets) {
          throw new AppError('invalid_input', `The range holds more than ${query.maxBuckets} buckets; narrow it (from/to) or filter by appVersion or route`, {
            issues: [{ field: 'from', message: BUCKET_LIMIT_ISSUE }],
          });
        }
      }
    } catch (error) {
      throw toAppError(error, 'Signal buckets');
    }
    return buckets;
  }
}
