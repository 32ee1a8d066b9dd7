// Request units estimated from Cosmos DB's documented cost model: the embedded Cosmos charges none, so the RU
// benchmark records the operations the real code makes (kind, container, document bytes, indexed terms,
// documents returned) and prices each one here. Documented figures (docs/performance.md cites the pages): a
// point read of 1 KB is 1 RU, and reads and writes grow with the document's size as in the size table below.
// Not documented as numbers, so kept as labelled parameters: the cost per indexed term a write adds, a query's
// base charge and its charge per KB returned.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repositoryRoot } from './paths';

/** `delete partition`: a partition-key delete, which Azure runs in the background (its charge is not per call). */
export type OperationKind = 'read' | 'create' | 'upsert' | 'replace' | 'patch' | 'delete' | 'query' | 'delete partition';

/** One Cosmos operation as the real code path made it (see bench/servers/cosmos-operations.ts). */
export interface CosmosOperation {
  kind: OperationKind;
  container: string;
  /** Bytes of the document read, written or deleted (JSON); 0 when unknown (a delete of a document not seen written). */
  documentBytes: number;
  /** Index terms the written document adds under its container's indexing policy. */
  indexedTerms: number;
  /** What the written document is, where the recorder can tell more than its container (`signal total`). */
  label?: string;
  /** Queries: pages fetched, documents returned and their bytes. */
  pages?: number;
  returnedDocuments?: number;
  returnedBytes?: number;
}

/** Read and write charges by document size, for session or eventual consistency ("Understand request unit consumption"). */
export const DOCUMENTED_CHARGES: ReadonlyArray<{ kilobytes: number; read: number; write: number }> = [
  { kilobytes: 1, read: 1.0, write: 4.95 },
  { kilobytes: 2, read: 1.04, write: 6.29 },
  { kilobytes: 4, read: 1.14, write: 6.67 },
  { kilobytes: 8, read: 1.33, write: 7.04 },
  { kilobytes: 16, read: 1.67, write: 9.52 },
  { kilobytes: 32, read: 2.19, write: 11.23 },
  { kilobytes: 64, read: 4.76, write: 22.67 },
  { kilobytes: 128, read: 9.95, write: 48.19 },
  { kilobytes: 256, read: 20.28, write: 98.29 },
  { kilobytes: 512, read: 40.95, write: 184.57 },
  { kilobytes: 1024, read: 145.9, write: 625.0 },
  { kilobytes: 2048, read: 291.8, write: 1250.0 },
];

export interface RequestUnitModel {
  /** Added to a write per index term its document adds (not documented as a number: an assumption). */
  perIndexedTerm: number;
  /** A query page's charge before what it returns (index look-up and compilation; an assumption). */
  queryPageBase: number;
  /** A query's charge per KB of documents it returns (an assumption, below a point read's 1 RU per KB). */
  queryPerReturnedKilobyte: number;
}

export const DEFAULT_MODEL: RequestUnitModel = { perIndexedTerm: 0.2, queryPageBase: 2.8, queryPerReturnedKilobyte: 0.3 };

/**
 * The documented charge for a document of `bytes`, interpolated on a log-log scale between the table's rows; a
 * document under 1 KB is charged as 1 KB (the table's smallest row), one over 2 MB is extrapolated linearly.
 */
export function documentedCharge(which: 'read' | 'write', bytes: number): number {
  const kilobytes = Math.max(1, bytes / 1024);
  const rows = DOCUMENTED_CHARGES;
  const last = rows[rows.length - 1]!;
  if (kilobytes >= last.kilobytes) return (last[which] * kilobytes) / last.kilobytes;
  const upper = rows.findIndex((row) => row.kilobytes >= kilobytes);
  const high = rows[upper]!;
  if (high.kilobytes === kilobytes || upper === 0) return high[which];
  const low = rows[upper - 1]!;
  const position = Math.log(kilobytes / low.kilobytes) / Math.log(high.kilobytes / low.kilobytes);
  return Math.exp(Math.log(low[which]) + position * Math.log(high[which] / low[which]));
}

/** A container's indexing policy as bicep/modules/cosmos-containers.json declares it. */
export interface IndexingPolicy {
  includedPaths?: Array<{ path: string }>;
  excludedPaths?: Array<{ path: string }>;
  compositeIndexes?: Array<Array<{ path: string }>>;
}

interface PathRule {
  segments: string[];
  /** `/*`: the path and everything below it; otherwise `/?`: the scalar at exactly this path. */
  wildcard: boolean;
}

function ruleOf(pattern: string): PathRule {
  const wildcard = pattern.endsWith('/*');
  const body = pattern.replace(/\/(\*|\?)$/, '');
  return {
    wildcard,
    segments: body
      .split('/')
      .filter(Boolean)
      .map((segment) => segment.replace(/^"(.*)"$/, '$1')),
  };
}

/** How precisely a rule matches a path: -1 for no match; a longer match is more precise, `/?` beats `/*`. */
function precision(rule: PathRule, path: string[]): number {
  if (rule.wildcard ? path.length < rule.segments.length : path.length !== rule.segments.length) return -1;
  for (const [index, segment] of rule.segments.entries()) if (segment !== path[index]) return -1;
  return rule.segments.length * 2 + (rule.wildcard ? 0 : 1);
}

/** The scalar values of a document, each with its path (array elements under `[]`, as index paths name them). */
function leafPaths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (Array.isArray(value)) for (const element of value) leafPaths(element, [...prefix, '[]'], out);
  else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) leafPaths(child, [...prefix, key], out);
  else out.push(prefix);
  return out;
}

/** The system properties Cosmos adds and never indexes for a query (its own `_etag` exclusion aside). */
const SYSTEM_PROPERTIES = new Set(['_rid', '_self', '_etag', '_attachments', '_ts']);

/**
 * Index terms a document adds: each scalar whose most precise matching rule is an included path, plus one per
 * composite index whose paths the document all has. Cosmos's own rule: the more precise path wins.
 */
export function indexedTermCount(document: unknown, policy: IndexingPolicy): number {
  const included = (policy.includedPaths ?? []).map((entry) => ruleOf(entry.path));
  const excluded = (policy.excludedPaths ?? []).map((entry) => ruleOf(entry.path));
  const leaves = leafPaths(document).filter((leaf) => !SYSTEM_PROPERTIES.has(leaf[0] ?? ''));
  let terms = 0;
  for (const leaf of leaves) {
    const include = Math.max(-1, ...included.map((rule) => precision(rule, leaf)));
    const exclude = Math.max(-1, ...excluded.map((rule) => precision(rule, leaf)));
    if (include >= 0 && include > exclude) terms++;
  }
  const present = new Set(leaves.map((leaf) => `/${leaf.join('/')}`));
  for (const composite of policy.compositeIndexes ?? []) if (composite.every((entry) => present.has(entry.path))) terms++;
  return terms;
}

let policies: Map<string, IndexingPolicy> | undefined;

/** The indexing policy of every container, from the Bicep's container list (the one the deployment uses). */
export function bicepIndexingPolicies(): Map<string, IndexingPolicy> {
  policies ??= new Map(
    (
      JSON.parse(readFileSync(path.join(repositoryRoot, 'bicep', 'modules', 'cosmos-containers.json'), 'utf8')) as Array<{
        id: string;
        indexingPolicy: IndexingPolicy;
      }>
    ).map((container) => [container.id, container.indexingPolicy]),
  );
  return policies;
}

/** The estimated charge of one operation. */
export function operationCharge(operation: CosmosOperation, model: RequestUnitModel = DEFAULT_MODEL): number {
  switch (operation.kind) {
    case 'read':
      return documentedCharge('read', operation.documentBytes);
    case 'query':
      return (operation.pages ?? 1) * model.queryPageBase + ((operation.returnedBytes ?? 0) / 1024) * model.queryPerReturnedKilobyte;
    case 'delete partition':
      // Charged in the background at up to 10 % of the container's RU/s, not per call: not priced here.
      return 0;
    default:
      // create, upsert, replace, patch and delete all rewrite the document and its index terms.
      return documentedCharge('write', operation.documentBytes) + operation.indexedTerms * model.perIndexedTerm;
  }
}

export interface ChargeSummary {
  total: number;
  operations: number;
  /** By `kind container`, e.g. `upsert debug_logs`: count and request units. */
  byKind: Record<string, { count: number; requestUnits: number }>;
}

export function summarizeCharges(operations: CosmosOperation[], model: RequestUnitModel = DEFAULT_MODEL): ChargeSummary {
  const byKind: ChargeSummary['byKind'] = {};
  let total = 0;
  for (const operation of operations) {
    const charge = operationCharge(operation, model);
    total += charge;
    const entry = (byKind[`${operation.kind} ${operation.container}`] ??= { count: 0, requestUnits: 0 });
    entry.count++;
    entry.requestUnits += charge;
  }
  return { total, operations: operations.length, byKind };
}
