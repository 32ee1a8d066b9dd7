// Live tail reads from Cosmos: a session's items by commit time (`_ts`), from `debug_logs` and `debug_traces`,
// single-partition queries with a single-field ORDER BY; filters go into the query where they can.
import type { Container, SqlParameter } from '@azure/cosmos';
import { sessionPartitionKey, type LogDoc } from '../../domain/telemetry/items';
import { compareCursors, cursorOf, type TailDoc, type TailEntry, type TailFilter } from '../../domain/telemetry/tail';
import type { TailRead, TailReader, TailReadResult } from '../../ports/tail-reader';
import type { SessionKey } from '../../ports/telemetry-store';
import { toAppError } from './cosmos-errors';

const LOG_TYPES: Array<LogDoc['docType']> = ['log', 'breadcrumb', 'network'];

interface Query {
  container: Container;
  clauses: string[];
  parameters: SqlParameter[];
}

function stripSystem(resource: Record<string, unknown>): TailEntry {
  const { _rid, _self, _etag, _attachments, _ts, ...doc } = resource;
  return { doc: doc as unknown as TailDoc, commitSecond: Number(_ts) };
}

export class CosmosTailReader implements TailReader {
  constructor(
    private readonly logs: Container,
    private readonly traces: Container,
  ) {}

  /** One query per container the filter can match: levels exist on logs and breadcrumbs only. */
  private queries(session: SessionKey, filter: TailFilter): Query[] {
    const base = (container: Container): Query => ({
      container,
      clauses: ['c.sessionId = @sessionId'],
      parameters: [{ name: '@sessionId', value: session.sessionId }],
    });
    const queries: Query[] = [];
    const logTypes = filter.types?.length ? LOG_TYPES.filter((type) => filter.types!.includes(type)) : LOG_TYPES;
    if (logTypes.length > 0) {
      const query = base(this.logs);
      if (logTypes.length < LOG_TYPES.length) {
        query.clauses.push('ARRAY_CONTAINS(@docTypes, c.docType)');
        query.parameters.push({ name: '@docTypes', value: logTypes });
      }
      if (filter.levels?.length) {
        query.clauses.push('ARRAY_CONTAINS(@levels, c.level)');
        query.parameters.push({ name: '@levels', value: filter.levels });
      }
      if (filter.text !== undefined) {
        query.clauses.push('(CONTAINS(c.message, @text) OR CONTAINS(c.url, @text))');
        query.parameters.push({ name: '@text', value: filter.text });
      }
      queries.push(query);
    }
    if ((!filter.types?.length || filter.types.includes('span')) && !filter.levels?.length) {
      const query = base(this.traces);
      if (filter.text !== undefined) {
        query.clauses.push('CONTAINS(c.name, @text)');
        query.parameters.push({ name: '@text', value: filter.text });
      }
      queries.push(query);
    }
    return queries;
  }

  async read(session: SessionKey, request: TailRead): Promise<TailReadResult> {
    const results = await Promise.all(this.queries(session, request.filter).map((query) => this.readOne(session, query, request)));
    // A container stopped early may hold more of later seconds: only seconds every container covered are whole.
    const coveredThrough = Math.min(request.throughSecond, ...results.map((result) => result.coveredThrough));
    const entries = results
      .flatMap((result) => result.entries)
      .filter((entry) => entry.commitSecond <= coveredThrough)
      .sort((left, right) => compareCursors(cursorOf(left), cursorOf(right)));
    return { entries, coveredThrough };
  }

  private async readOne(session: SessionKey, query: Query, request: TailRead): Promise<TailReadResult> {
    const clauses = [...query.clauses, 'c._ts >= @fromSecond', 'c._ts <= @throughSecond'];
    const parameters = [...query.parameters, { name: '@fromSecond', value: request.fromSecond }, { name: '@throughSecond', value: request.throughSecond }];
    try {
      const iterator = query.container.items.query<Record<string, unknown>>(
        { query: `SELECT * FROM c WHERE ${clauses.join(' AND ')} ORDER BY c._ts ASC`, parameters },
        { partitionKey: sessionPartitionKey(session.productId, session.sessionId), maxItemCount: request.atLeast + 1 },
      );
      const entries: TailEntry[] = [];
      // Once `atLeast` are in hand, read on only to finish the last entry's second.
      let stopAfter: number | undefined;
      let exhausted = true;
      while (iterator.hasMoreResults()) {
        const page = await iterator.fetchNext();
        for (const resource of page.resources) entries.push(stripSystem(resource));
        if (stopAfter === undefined && entries.length >= request.atLeast) stopAfter = entries[request.atLeast - 1]!.commitSecond;
        if (stopAfter !== undefined && entries[entries.length - 1]!.commitSecond > stopAfter) {
          exhausted = false;
          break;
        }
      }
      if (stopAfter === undefined || exhausted) return { entries, coveredThrough: request.throughSecond };
      return { entries: entries.filter((entry) => entry.commitSecond <= stopAfter!), coveredThrough: stopAfter };
    } catch (error) {
      throw toAppError(error, 'Live tail');
    }
  }

  async count(session: SessionKey, request: { afterSecond: number; throughSecond: number; filter: TailFilter }): Promise<number> {
    if (request.throughSecond <= request.afterSecond) return 0;
    const counts = await Promise.all(
      this.queries(session, request.filter).map(async (query) => {
        const clauses = [...query.clauses, 'c._ts > @afterSecond', 'c._ts <= @throughSecond'];
        const parameters = [
          ...query.parameters,
          { name: '@afterSecond', value: request.afterSecond },
          { name: '@throughSecond', value: request.throughSecond },
        ];
        try {
          const { resources } = await query.container.items
            .query<number>(
              { query: `SELECT VALUE COUNT(1) FROM c WHERE ${clauses.join(' AND ')}`, parameters },
              { partitionKey: sessionPartitionKey(session.productId, session.sessionId) },
            )
            .fetchAll();
          return resources.reduce((sum, value) => sum + value, 0);
        } catch (error) {
          throw toAppError(error, 'Live tail');
        }
      }),
    );
    return counts.reduce((sum, value) => sum + value, 0);
  }
}
