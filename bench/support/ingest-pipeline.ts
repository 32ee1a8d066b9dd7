// The host's own CPU per ingested item, without the Cosmos SDK and without HTTP: the product key and the device's
// ingest token checked, the body parsed and validated, then the ingest use case as production composes it (session
// state from the config index, rate limits, Idempotency-Key, masking, documents, write-behind stats, pattern hooks
// and the per-user index) over in-memory ports and a no-op telemetry store; the answer built. Timed beside
// JSON.parse of the same bodies (what the bare server does per batch), and beside the very same pipeline with a
// masking engine that finds nothing and copies nothing, interleaved in rounds: the difference is what masking costs
// in place, its garbage included. Each round then times the other stages alone over the same batches.
import { randomUUID } from 'node:crypto';
import { LOCAL_DEV_SECRETS, localEnvironment, DEMO_PRODUCT_ID } from '../../local-host/local-settings';
import { CachedSessionStateReader } from '../../shared/adapters/caching/cached-session-state';
import { IndexedSessionStateReader } from '../../shared/adapters/caching/indexed-session-state';
import { WriteBehindSessionStats } from '../../shared/adapters/caching/write-behind-session-stats';
import { InMemoryTelemetry } from '../../shared/adapters/memory/in-memory-telemetry';
import { MemoryRateLimiter } from '../../shared/adapters/memory/memory-rate-limiter';
import { loadMaskingEngine } from '../../shared/config/masking-rules';
import { parseSettings } from '../../shared/config/settings';
import { issueIngestToken, productIngestKey, ProductKeyVerifier } from '../../shared/domain/devices/credentials';
import { deriveMaskingHashKey, emptyRedaction, type MaskingEngine } from '../../shared/domain/masking';
import { enrichDevice } from '../../shared/domain/telemetry/enrichment';
import { maskDevice, parseItems, toDocument } from '../../shared/domain/telemetry/ingest';
import type { IngestItem } from '../../shared/domain/telemetry/items';
import { createSessionRequestSchema, newSession, type DebugSession } from '../../shared/domain/sessions/session';
import { parseWith } from '../../shared/http/endpoint';
import { ingestEnvelopeSchema, ingestResponse } from '../../shared/http/ingest-routes';
import { systemClock } from '../../shared/ports/clock';
import type { Stores } from '../../shared/runtime/stores';
import { createWatching } from '../../shared/runtime/watch-wiring';
import { DeviceConfigService } from '../../shared/services/device-config-service';
import { DeviceTokenVerifier } from '../../shared/services/device-credentials';
import { ingest, type IngestServiceDependencies } from '../../shared/services/ingest-service';
import { NoopTelemetryStore } from '../servers/bench-store';
import { loadFieldPolicy } from '../../shared/config/field-access';
import { CountingEventPublisher, CountingStatsStore, MemoryIdempotencyStore, MemorySessionReader, MemorySessionUpdates, unreachable } from './memory-ports';
import { BatchFactory, ITEMS_PER_BATCH, REALISTIC_DEVICE, REALISTIC_USER_AGENT } from './realistic-items';
import { median } from './statistics';

const DEVICES = 200;

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * An engine that finds nothing and copies nothing: every value handed back as it is, fields written into the document
 * as they are. The pipeline with it is the pipeline around masking (captured bodies are still parsed by content type,
 * as documents are built, so that much of masking's work stays in it).
 */
const passThroughMasking: MaskingEngine = {
  maskText: (text) => ({ text, rules: [] }),
  maskValue: (value) => ({ value, redaction: emptyRedaction() }),
  maskFieldsInto: (target, source, skip) => {
    for (const key in source) if (Object.hasOwn(source, key) && !skip?.has(key)) target[key] = source[key];
    return emptyRedaction();
  },
};

/** Production's ingest composition (shared/runtime/composition.ts) over in-memory ports, with its masking engine or another. */
async function composeIngest(sessions: DebugSession[], masking?: MaskingEngine) {
  const settings = parseSettings(
    localEnvironment({
      cosmosEndpoint: 'https://127.0.0.1:1',
      cosmosKey: 'unused',
      blobEndpoint: 'http://127.0.0.1:1',
      blobAccountName: 'unused',
      blobAccountKey: 'unused',
      publicBaseUrl: 'http://127.0.0.1:0',
    }),
  );
  const clock = systemClock;
  const telemetry = new InMemoryTelemetry();
  const rateLimiter = new MemoryRateLimiter(clock);
  const byId = new Map(sessions.map((session) => [session.id, session]));
  const deviceConfig = new DeviceConfigService(new MemorySessionUpdates(sessions), clock, rateLimiter, telemetry, {
    ingestKeySecret: LOCAL_DEV_SECRETS.INGEST_KEY_SECRET,
    pollIntervalSeconds: settings.RATE_LIMIT_CONFIG_POLL_INTERVAL_SECONDS,
    refreshIntervalInMs: settings.CONFIG_INDEX_REFRESH_MS,
  });
  const sessionReader = new MemorySessionReader(byId);
  const sessionState = new IndexedSessionStateReader(
    deviceConfig,
    new CachedSessionStateReader(sessionReader, clock, telemetry, { maxAgeInMs: settings.INGEST_SESSION_CACHE_MS, maxEntries: 50_000 }),
    telemetry,
  );
  const statsStore = new CountingStatsStore();
  const stats = new WriteBehindSessionStats(statsStore, telemetry, { flushIntervalInMs: settings.INGEST_STATS_FLUSH_MS });
  const events = new CountingEventPublisher();
  const stores = {
    sessions: sessionReader,
    audit: unreachable('audit'),
    telemetry: new NoopTelemetryStore(),
    patternHooks: { list: () => Promise.resolve([]) },
    tailReader: unreachable('tailReader'),
    userSessions: { createIfAbsent: () => Promise.resolve(), upsert: () => Promise.resolve() },
  } as unknown as Pick<Stores, 'sessions' | 'audit' | 'telemetry' | 'patternHooks' | 'tailReader' | 'userSessions'>;
  const watching = createWatching({ settings, stores, sessionState, events, clock, telemetry, fieldPolicy: loadFieldPolicy() });
  const deps: IngestServiceDependencies = {
    sessions: unreachable('sessions'),
    sessionState,
    stats,
    telemetryStore: stores.telemetry,
    idempotency: new MemoryIdempotencyStore(),
    events,
    audit: stores.audit,
    clock,
    telemetry,
    rateLimiter,
    masking: masking ?? loadMaskingEngine({ hashKey: deriveMaskingHashKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET) }),
    regionHeaderName: settings.INGEST_REGION_HEADER,
    limits: { batchesPerMinutePerDevice: settings.RATE_LIMIT_INGEST_BATCHES_PER_MINUTE },
    afterStore: watching.afterStore,
  };
  // The index loads once, as on a warm instance.
  await deviceConfig.liveSession(sessions[0]!.id);
  return {
    deps,
    stats,
    settings,
    productKeys: new ProductKeyVerifier(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET),
    deviceTokens: new DeviceTokenVerifier(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, clock),
  };
}

interface PreparedBatch {
  productKey: string;
  token: string;
  idempotencyKey: string;
  body: Buffer;
}

/** The pipeline's stages, each timed alone over a round's batches (CPU microseconds per item, per round). */
export interface IngestStageCosts {
  /** The product key and the ingest token checked (both remembered once verified, as in production). */
  checks: number[];
  /** The envelope's zod parse, of the JSON already parsed. */
  envelope: number[];
  /** Every item's parse (parseItems: the check derived from the schema, zod for what it leaves). */
  items: number[];
  /** The documents, built with the pass-through engine: everything toDocument does but mask. */
  documents: number[];
}

export interface IngestPipelineCost {
  /** CPU microseconds per item, per round: our pipeline. */
  oursMicrosPerItem: number[];
  /** The same pipeline over the same batches, its masking engine passed through. */
  passThroughMicrosPerItem: number[];
  /** The same bodies through JSON.parse alone. */
  parseMicrosPerItem: number[];
  stages: IngestStageCosts;
  batchesPerRound: number;
}

export async function ingestPipelineCost(options: { rounds: number; batchesPerRound: number; warmUpBatches?: number }): Promise<IngestPipelineCost> {
  const template = createSessionRequestSchema.parse({
    productId: DEMO_PRODUCT_ID,
    targetDeviceId: 'template',
    userConsent: 'pre_consent',
    collectionLevel: 'trace',
    capture: { logs: true, traces: true, breadcrumbs: true, network: true },
    maxDurationMinutes: 600,
  });
  const now = new Date();
  const devices = Array.from({ length: DEVICES }, (_, index) => {
    const session = newSession({ ...template, targetDeviceId: `pipeline-${index}` }, 'bench', now);
    const token = issueIngestToken(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, {
      sid: session.id,
      pid: session.productId,
      dev: `device:pipeline-${index}`,
      exp: Math.floor(Date.parse(session.expiresAt) / 1000),
    });
    return { session, token, deviceId: `pipeline-${index}` };
  });
  const sessions = devices.map((device) => device.session);
  const real = await composeIngest(sessions);
  // Its own limiter, Idempotency-Keys and stats: the same batches go through both.
  const passThrough = await composeIngest(sessions, passThroughMasking);
  const { productKeys, deviceTokens } = real;
  const key = productIngestKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, DEMO_PRODUCT_ID);
  const factory = new BatchFactory('pipeline');
  let sent = 0;
  const prepare = (count: number): PreparedBatch[] =>
    Array.from({ length: count }, () => {
      const device = devices[sent++ % devices.length]!;
      const body = JSON.stringify({ sessionId: device.session.id, device: { deviceId: device.deviceId, ...REALISTIC_DEVICE }, items: factory.nextItems() });
      return { productKey: key, token: device.token, idempotencyKey: randomUUID(), body: Buffer.from(body) };
    });
  const pipeline = (deps: IngestServiceDependencies) => async (batch: PreparedBatch) => {
    const productId = productKeys.verify(batch.productKey);
    if (!productId) throw new Error('the product key did not verify');
    const device = deviceTokens.verify(batch.token, productId);
    const envelope = parseWith(ingestEnvelopeSchema, JSON.parse(batch.body.toString('utf8')), 'body');
    const call = {
      device,
      correlationId: randomUUID(),
      userAgentHeader: REALISTIC_USER_AGENT,
      regionHeader: undefined,
      idempotencyKey: batch.idempotencyKey,
      route: 'ingest',
    };
    const result = await ingest(deps, call, envelope);
    if (result.status !== 202 || result.body.accepted + result.body.filtered !== ITEMS_PER_BATCH)
      throw new Error(`ingest answered ${result.status} with ${JSON.stringify(result.body).slice(0, 200)}`);
    ingestResponse(result);
  };
  const ours = pipeline(real.deps);
  const oursPassedThrough = pipeline(passThrough.deps);
  const parseOnly = (batch: PreparedBatch) => {
    const parsed = JSON.parse(batch.body.toString('utf8')) as { items?: unknown[] };
    if (!Array.isArray(parsed.items)) throw new Error('no items');
  };
  // Warm-up: V8 compiles and optimises the path, and the engine's caches fill, before anything is timed. A warm
  // instance has done this long before; 200 batches were too few (rounds kept falling for a further 4,000).
  for (const batch of prepare(options.warmUpBatches ?? 3 * options.batchesPerRound)) {
    await ours(batch);
    await oursPassedThrough(batch);
  }
  await real.stats.flush();
  await passThrough.stats.flush();
  const result: IngestPipelineCost = {
    oursMicrosPerItem: [],
    passThroughMicrosPerItem: [],
    parseMicrosPerItem: [],
    stages: { checks: [], envelope: [], items: [], documents: [] },
    batchesPerRound: options.batchesPerRound,
  };
  for (let round = 0; round < options.rounds; round++) {
    // Each round its own batches: new ids, new Idempotency-Keys, every device well inside its 100 batches a minute.
    const batches = prepare(options.batchesPerRound);
    const items = batches.length * ITEMS_PER_BATCH;
    const timedPipeline = async (run: (batch: PreparedBatch) => Promise<void>, stats: WriteBehindSessionStats, into: number[]) => {
      const started = cpuMicros();
      for (const batch of batches) await run(batch);
      // The written-behind stats are flushed inside the window: they are part of what each batch costs.
      await stats.flush();
      into.push((cpuMicros() - started) / items);
    };
    // Which pipeline goes first alternates: the second meets the batches' strings already made.
    const pair = [
      () => timedPipeline(ours, real.stats, result.oursMicrosPerItem),
      () => timedPipeline(oursPassedThrough, passThrough.stats, result.passThroughMicrosPerItem),
    ];
    if (round % 2 === 1) pair.reverse();
    for (const run of pair) await run();
    const started = cpuMicros();
    for (const batch of batches) parseOnly(batch);
    result.parseMicrosPerItem.push((cpuMicros() - started) / items);

    // The stages alone, each over the round's batches, its input made beforehand (untimed).
    const timed = (stage: keyof IngestStageCosts, work: () => void) => {
      const from = cpuMicros();
      work();
      result.stages[stage].push((cpuMicros() - from) / items);
    };
    timed('checks', () => {
      for (const batch of batches) deviceTokens.verify(batch.token, productKeys.verify(batch.productKey)!);
    });
    const bodies = batches.map((batch) => JSON.parse(batch.body.toString('utf8')) as unknown);
    timed('envelope', () => {
      for (const body of bodies) parseWith(ingestEnvelopeSchema, body, 'body');
    });
    const envelopes = bodies.map((body) => parseWith(ingestEnvelopeSchema, body, 'body'));
    timed('items', () => {
      for (const envelope of envelopes) parseItems(envelope.items);
    });
    const receivedAt = new Date().toISOString();
    const documentInputs = envelopes.map((envelope) => ({
      items: parseItems(envelope.items).entries.map((entry): IngestItem => entry.item),
      device: enrichDevice(envelope.device, REALISTIC_USER_AGENT, undefined),
    }));
    timed('documents', () => {
      for (const input of documentInputs) {
        const device = maskDevice(input.device, passThroughMasking);
        const context = {
          productId: DEMO_PRODUCT_ID,
          sessionId: envelopes[0]!.sessionId,
          receivedAt,
          device: device.device,
          deviceRedaction: device.redaction,
        };
        for (const item of input.items) toDocument(item, context, passThroughMasking);
      }
    });
  }
  await real.stats.close();
  await passThrough.stats.close();
  return result;
}

export function medianCost(cost: IngestPipelineCost): { ours: number; passThrough: number; masking: number; parse: number } {
  return {
    ours: median(cost.oursMicrosPerItem),
    passThrough: median(cost.passThroughMicrosPerItem),
    masking: median(maskingInPlace(cost)),
    parse: median(cost.parseMicrosPerItem),
  };
}

/** Per round: what the pipeline costs beyond the same pipeline with masking passed through, over the same batches. */
function maskingInPlace(cost: IngestPipelineCost): number[] {
  return cost.oursMicrosPerItem.map((ours, round) => ours - cost.passThroughMicrosPerItem[round]!);
}

/**
 * Where the median item's microseconds go: masking in place (the pipeline minus the same with masking passed
 * through), each other stage's median, and what the use case adds around them.
 */
export function stageBreakdown(cost: IngestPipelineCost): Array<{ stage: string; micros: number }> {
  const stages = [
    { stage: 'JSON.parse', micros: median(cost.parseMicrosPerItem) },
    { stage: 'key + token checks', micros: median(cost.stages.checks) },
    { stage: 'envelope parse', micros: median(cost.stages.envelope) },
    { stage: 'item parse (exact check, zod for the rest)', micros: median(cost.stages.items) },
    { stage: 'documents (masking passed through)', micros: median(cost.stages.documents) },
  ];
  const measured = stages.reduce((sum, entry) => sum + entry.micros, 0);
  // Session state, rate limits, Idempotency-Key, time window, outcomes, stats, hooks, the answer, and the garbage
  // collection the whole batch causes (each stage alone above collects little of its own).
  stages.push({ stage: 'the use case around them, and GC', micros: Math.max(0, median(cost.passThroughMicrosPerItem) - measured) });
  stages.push({ stage: 'masking in place (pipeline minus pass-through, its GC included)', micros: median(maskingInPlace(cost)) });
  return stages;
}
