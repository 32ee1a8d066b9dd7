// Request units per operation: the embedded Cosmos charges none, so the benchmark host records every Cosmos call
// the real code path makes (bench/servers/cosmos-operations.ts: kind, container, document bytes, index terms under
// the Bicep's indexing policies) while config polls, ingest batches and a report run over HTTP, and prices them
// with the documented cost model (bench/support/request-units.ts). Erasure runs for real: a subject's sessions are
// filled through ingest, then one erasure request is recorded until its certificate is stored.
import { randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import { DEMO_PRODUCT_ID, LOCAL_AUTH, LOCAL_DEV_SECRETS } from '../local-host/local-settings';
import { DEFAULT_SIGNALS_GROUP_COMMIT_MS } from '../shared/config/settings';
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import { adminToken, createSession, pollConfig, productKey } from './support/api';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import { openDevices, type BenchDevice } from './support/devices';
import { failures, runLoad } from './support/load';
import { BatchFactory, ITEMS_PER_BATCH, REALISTIC_DEVICE, REALISTIC_USER_AGENT } from './support/realistic-items';
import type { Row } from './support/report';
import { DEFAULT_MODEL, summarizeCharges, type ChargeSummary, type CosmosOperation } from './support/request-units';
import { startHostScene, type HostScene } from './support/scene';

/** Sessions created, then folded in by one index refresh, to measure what the refresh returns per session. */
const REFRESH_PROBE_SESSIONS = 20;

/** The erased subject's size: sessions that observed the user, and the items each holds (a labelled parameter). */
export const ERASURE_SESSIONS_PER_SUBJECT = 10;
export const ERASURE_ITEMS_PER_SESSION = 1_000;
const REPORT_ITEMS = 1_000;

/** A device's minute of signals as the SDK sends it. */
const SIGNAL_ROUTES = 8;
const SIGNAL_FINGERPRINTS = 3;

/** `minutesAgo`: which minute the batch counts (each pass its own, so both create their minute's buckets). */
function signalBatch(device: number, minutesAgo = 0): Record<string, unknown> {
  const minute = new Date((Math.floor(Date.now() / 60_000) - minutesAgo) * 60_000).toISOString();
  const routes = Array.from({ length: SIGNAL_ROUTES }, (_, index) => `/api/v1/resource${index}/{id}`);
  return {
    deviceId: `ru-signals-${device}`,
    appVersion: `5.${10 + (device % 3)}.0`,
    counters: [
      ...routes.map((route, index) => ({ minute, series: 'requests', count: 20 + index, route })),
      { minute, series: 'http_5xx', count: 1, route: routes[0] },
      ...Array.from({ length: SIGNAL_FINGERPRINTS }, (_, index) => ({
        minute,
        series: 'errors',
        count: 1 + index,
        fingerprint: `fp-${((device + index) % 10).toString(16).padStart(8, '0')}`,
      })),
    ],
    latency: routes.map((route, index) => ({ minute, route, count: 20 + index, p50: 80, p95: 210, p99: 400, sumMs: 2000 })),
  };
}

/** `keepDocuments`: deletes are priced with documents written in earlier windows (the erasure's seeding). */
async function recorded(scene: HostScene, work: () => Promise<unknown>, keepDocuments = false): Promise<CosmosOperation[]> {
  await scene.host.call('startCosmosOperations', { keepDocuments });
  try {
    await work();
  } finally {
    // Stopping always, so a failed step leaves nothing recording.
    await scene.host.call('flushWrittenBehind').catch(() => undefined);
  }
  return scene.host.call<CosmosOperation[]>('stopCosmosOperations');
}

function batchBody(device: BenchDevice, factory: BatchFactory): string {
  return JSON.stringify({ sessionId: device.sessionId, device: { deviceId: device.deviceId, ...REALISTIC_DEVICE }, items: factory.nextItems() });
}

function ingestRequests(devices: BenchDevice[], factory: BatchFactory, idempotencyKey: boolean): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      path: '/api/diagnostics/ingest',
      setupRequest: (request) => {
        const device = devices[next++ % devices.length]!;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-diagnostics-key': productKey,
          authorization: `Bearer ${device.ingestToken}`,
          'user-agent': REALISTIC_USER_AGENT,
        };
        if (idempotencyKey) headers['idempotency-key'] = randomUUID();
        return { ...request, headers, body: batchBody(device, factory) };
      },
    },
  ];
}

const describe = (summary: ChargeSummary) =>
  Object.entries(summary.byKind)
    .sort((left, right) => right[1].requestUnits - left[1].requestUnits)
    .map(([kind, entry]) => `${kind} ×${entry.count} ${entry.requestUnits.toFixed(1)} RU`)
    .join('; ');

/** Mean bytes and index terms of the documents written to a container. */
function writtenShape(operations: CosmosOperation[], container: string): { bytes: number; terms: number; count: number } {
  const writes = operations.filter(
    (operation) => operation.container === container && operation.kind !== 'read' && operation.kind !== 'query' && operation.documentBytes > 0,
  );
  const count = writes.length;
  return {
    count,
    bytes: count ? writes.reduce((sum, operation) => sum + operation.documentBytes, 0) / count : 0,
    terms: count ? writes.reduce((sum, operation) => sum + operation.indexedTerms, 0) / count : 0,
  };
}

export async function benchRequestUnits(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const scene = await startHostScene({
    store: 'cosmos',
    settings: { RATE_LIMIT_SESSION_CREATES_PER_HOUR: '100000', RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '100000' },
    hostEnvironment: { BENCH_RECORD_COSMOS: '1' },
  });
  try {
    const rows: Row[] = [];
    const seconds = context.quick ? 3 : 6;

    // Config poll: the 304 path at a steady rate; its only storage work is the index refresh.
    const idle = await pollConfig(scene.url, { deviceId: 'ru-probe', platform: 'ios', appVersion: '5.12.0' });
    let deviceNumber = 0;
    let polls = 0;
    let pollSeconds = 0;
    const pollOperations = await recorded(scene, async () => {
      const run = await runLoad({
        url: scene.url,
        connections: 4,
        durationSeconds: seconds,
        expectedStatuses: [304],
        requests: [
          {
            method: 'GET',
            path: '/api/diagnostics/config',
            headers: { 'x-diagnostics-key': productKey, 'if-none-match': idle.etag },
            setupRequest: (request) => ({ ...request, path: `/api/diagnostics/config?deviceId=ru-device-${++deviceNumber}&platform=ios&appVersion=5.12.0` }),
          },
        ],
      });
      if (failures(run) > 0) throw new Error(`config polls: unexpected answers ${JSON.stringify(run.unexpected)}`);
      polls = run.requests;
      pollSeconds = run.durationSeconds;
    });
    const poll = summarizeCharges(pollOperations);
    const pollsPerSecond = polls / pollSeconds;
    rows.push({
      benchmark: 'request units',
      measure: `per config poll (304 path, ${Math.round(pollsPerSecond).toLocaleString('en-US')} polls/s on one instance)`,
      value: poll.total / polls,
      unit: 'RU',
      lowerIsBetter: true,
      note: `${describe(poll)}: ${(poll.total / pollSeconds).toFixed(1)} RU/s per instance whatever the poll rate (the index refresh), so per poll it shrinks as polls grow`,
    });

    // Ingest: realistic batches over HTTP from devices that polled their sessions, as the SDK sends them (no Idempotency-Key).
    const devices = await openDevices(scene.url, context.quick ? 20 : 60, 'ru-ingest');
    const factory = new BatchFactory('ru');
    let items = 0;
    const ingestRun = async (idempotencyKey: boolean) => {
      // With the host named, the load waits for the batches still in flight, and `worked` counts them.
      const run = await runLoad(
        { url: scene.url, connections: 4, durationSeconds: seconds, expectedStatuses: [202], requests: ingestRequests(devices, factory, idempotencyKey) },
        scene.host,
      );
      if (failures(run) > 0) throw new Error(`ingest: unexpected answers ${JSON.stringify(run.unexpected)}, ${run.errors} errors`);
      items = run.worked * ITEMS_PER_BATCH;
    };
    const ingestOperations = await recorded(scene, () => ingestRun(false));
    const ingestItems = items;
    const ingest = summarizeCharges(ingestOperations);
    const ownDocuments = summarizeCharges(
      ingestOperations.filter((operation) => operation.container === 'debug_logs' || operation.container === 'debug_traces'),
    );
    rows.push({
      benchmark: 'request units',
      measure: `per ingested item (realistic mix, batches of ${ITEMS_PER_BATCH}, as the SDK sends them)`,
      value: ingest.total / ingestItems,
      unit: 'RU',
      reference: { value: ownDocuments.total / ingestItems, label: "the item's own document write (logs / traces)" },
      ratio: ingest.total / ownDocuments.total,
      lowerIsBetter: true,
      note: `${ingestItems.toLocaleString('en-US')} items: ${describe(ingest)}`,
    });
    const keyedOperations = await recorded(scene, () => ingestRun(true));
    const keyed = summarizeCharges(keyedOperations);
    rows.push({
      benchmark: 'request units',
      measure: 'per ingested item, batches sent with an Idempotency-Key',
      value: keyed.total / items,
      unit: 'RU',
      reference: { value: ingest.total / ingestItems, label: 'without the key' },
      ratio: keyed.total / items / (ingest.total / ingestItems),
      lowerIsBetter: true,
      note: describe(keyed),
    });

    // Signals: each device's minute as the SDK sends it (requests and latency per route, 5xx on one, errors per
    // fingerprint), over HTTP; the per-series buckets and the totals beside them priced apart. First the devices'
    // batches arriving together, at a steady rate (grouped per SIGNALS_GROUP_COMMIT_MS window), then one after another,
    // each answered before the next is sent: each a group of its own, as every batch was written before groups.
    const signalDevices = context.quick ? 20 : 60;
    const sendSignals = async (device: number, minutesAgo: number) => {
      const response = await fetch(`${scene.url}/api/diagnostics/signals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-diagnostics-key': productKey },
        body: JSON.stringify(signalBatch(device, minutesAgo)),
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`signals answered ${response.status}`);
    };
    const arrivalSeconds = 1;
    const groupedOperations = await recorded(scene, async () => {
      const started = Date.now();
      await Promise.all(
        Array.from({ length: signalDevices }, async (_, device) => {
          const due = started + (device * arrivalSeconds * 1000) / signalDevices;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
          await sendSignals(device, 1);
        }),
      );
    });
    const signalOperations = await recorded(scene, async () => {
      for (let device = 0; device < signalDevices; device++) await sendSignals(device, 0);
    });
    const signalWrites = signalOperations.filter((operation) => operation.container === 'signal_buckets');
    const signals = summarizeCharges(signalWrites);
    const seriesOnly = summarizeCharges(signalWrites.filter((operation) => operation.label === undefined));
    const totalsOnly = summarizeCharges(signalWrites.filter((operation) => operation.label !== undefined));
    rows.push({
      benchmark: 'request units',
      measure: `per device signal batch (a minute as the SDK sends it: ${SIGNAL_ROUTES} routes, ${SIGNAL_FINGERPRINTS} error fingerprints, ${SIGNAL_ROUTES * 2 + 1 + SIGNAL_FINGERPRINTS} entries; ${signalDevices} devices, 3 app versions)`,
      value: signals.total / signalDevices,
      unit: 'RU',
      reference: { value: seriesOnly.total / signalDevices, label: 'the per-series buckets alone (before the totals)' },
      ratio: signals.total / seriesOnly.total,
      lowerIsBetter: true,
      note: `per-series buckets: ${describe(seriesOnly)}; totals: ${describe(totalsOnly)}`,
    });
    const grouped = summarizeCharges(groupedOperations.filter((operation) => operation.container === 'signal_buckets'));
    rows.push({
      benchmark: 'request units',
      measure: `per device signal batch, the same ${signalDevices} devices' batches arriving within ${arrivalSeconds} s (${signalDevices / arrivalSeconds} batches/s on one instance), written in groups (SIGNALS_GROUP_COMMIT_MS, ${DEFAULT_SIGNALS_GROUP_COMMIT_MS} ms)`,
      value: grouped.total / signalDevices,
      unit: 'RU',
      reference: { value: signals.total / signalDevices, label: 'each batch alone (sent one after another)' },
      ratio: grouped.total / signals.total,
      lowerIsBetter: true,
      note: describe(grouped),
    });
    // A rule's read each minute, modelled from the rows the store's query returns (its projected fields): the
    // default anomaly rule reads 165 minutes; before the totals it read every series' buckets over them.
    const projected = (dimensions: Record<string, string>) =>
      Buffer.byteLength(JSON.stringify({ series: 'errors', dimensions, start: 1_733_389_200_000, sum: 12, count: 3 }));
    const ruleRead = (buckets: number, bytes: number): CosmosOperation => ({
      kind: 'query',
      container: 'signal_buckets',
      documentBytes: 0,
      indexedTerms: 0,
      pages: Math.max(1, Math.ceil(buckets / 1000)),
      returnedDocuments: buckets,
      returnedBytes: buckets * bytes,
    });
    const totalsRead = summarizeCharges([ruleRead(165, projected({}))]).total;
    const seriesRead = summarizeCharges([ruleRead(165_000, projected({ appVersion: '5.12.0', fingerprint: 'fp-1a2b3c4d', route: '/api/r1' }))]).total;
    rows.push({
      benchmark: 'request units',
      measure: "per alert rule evaluation (modelled: the default anomaly rule's read of 165 per-minute product totals)",
      value: totalsRead,
      unit: 'RU',
      reference: { value: seriesRead, label: 'reading the series instead, 10k error series at 10 % density (165,000 buckets)' },
      ratio: totalsRead / seriesRead,
      lowerIsBetter: true,
      note: `query rows of ${projected({})} B (a total) and ${projected({ appVersion: '5.12.0', fingerprint: 'fp-1a2b3c4d', route: '/api/r1' })} B (a series); every minute per rule`,
    });

    // Report: a session of REPORT_ITEMS realistic items, sent through ingest, then one report over HTTP.
    const admin = await adminToken();
    const deviceId = `ru-report-${randomUUID().slice(0, 8)}`;
    const session = await createSession(scene.url, admin, {
      targetDeviceId: deviceId,
      userConsent: 'pre_consent',
      collectionLevel: 'trace',
      capture: { logs: true, traces: true, breadcrumbs: true, network: true },
    });
    const polled = await pollConfig(scene.url, { deviceId });
    const reportDevice: BenchDevice = { deviceId, sessionId: session.id, ingestToken: polled.config.session!.ingestToken };
    for (let sent = 0; sent < REPORT_ITEMS; sent += ITEMS_PER_BATCH) {
      const response = await fetch(`${scene.url}/api/diagnostics/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-diagnostics-key': productKey, authorization: `Bearer ${reportDevice.ingestToken}` },
        body: batchBody(reportDevice, factory),
      });
      if (response.status !== 202) throw new Error(`seeding the report session: ingest answered ${response.status}`);
      await response.arrayBuffer();
    }
    const engineer = await signLocalToken(
      {
        issuer: LOCAL_AUTH.AUTH_ISSUER,
        audience: LOCAL_AUTH.AUTH_AUDIENCE,
        rolesClaim: 'roles',
        productsClaim: 'products',
        localSecret: LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET,
      },
      { subject: 'ru-engineer', roles: ['engineer'], products: [DEMO_PRODUCT_ID], expiresInSeconds: 3600 },
    );
    const reportOperations = await recorded(scene, async () => {
      const response = await fetch(`${scene.url}/api/diagnostics/sessions/${session.id}/report`, {
        method: 'POST',
        headers: { authorization: `Bearer ${engineer}` },
      });
      await response.arrayBuffer();
      if (response.status !== 201) throw new Error(`report answered ${response.status}`);
    });
    const report = summarizeCharges(reportOperations);
    rows.push({
      benchmark: 'request units',
      measure: `per report (a session of ${REPORT_ITEMS.toLocaleString('en-US')} realistic items)`,
      value: report.total,
      unit: 'RU',
      lowerIsBetter: true,
      note: describe(report),
    });

    // A live tail stream held open: every stream reads storage on its own each poll. Once on a session with nothing
    // stored (the steady idle cost), once on a session sending a realistic batch of 50 items every second.
    const tailSeconds = context.quick ? 3 : 6;
    const tailOn = (sessionId: string, sending?: BenchDevice) =>
      recorded(scene, async () => {
        let stop = false;
        const sender = (async () => {
          while (sending && !stop) {
            const response = await fetch(`${scene.url}/api/diagnostics/ingest`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-diagnostics-key': productKey, authorization: `Bearer ${sending.ingestToken}` },
              body: batchBody(sending, factory),
            });
            await response.arrayBuffer();
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        })();
        const abort = new AbortController();
        const response = await fetch(`${scene.url}/api/diagnostics/sessions/${sessionId}/tail`, {
          headers: { authorization: `Bearer ${engineer}` },
          signal: abort.signal,
        });
        if (response.status !== 200 || !response.body) throw new Error(`tail answered ${response.status}`);
        const reading = (async () => {
          try {
            for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) void chunk;
          } catch {
            // Aborted below.
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, tailSeconds * 1000));
        stop = true;
        await sender;
        abort.abort();
        await reading;
      });
    const emptySession = await createSession(scene.url, admin, { targetDeviceId: `ru-tail-${randomUUID().slice(0, 8)}`, userConsent: 'pre_consent' });
    const idleTail = summarizeCharges(await tailOn(emptySession.id));
    const sendingTail = summarizeCharges(await tailOn(session.id, reportDevice));
    // What the sending itself costs (the item writes), measured the same way without a stream, is taken out.
    const sendingAlone = summarizeCharges(
      await recorded(scene, async () => {
        for (let second = 0; second < tailSeconds; second++) {
          const response = await fetch(`${scene.url}/api/diagnostics/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-diagnostics-key': productKey, authorization: `Bearer ${reportDevice.ingestToken}` },
            body: batchBody(reportDevice, factory),
          });
          await response.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }),
    );
    const streamShare = (summary: ChargeSummary) =>
      Object.entries(summary.byKind)
        .filter(([kind]) => kind.startsWith('query debug_logs') || kind.startsWith('query debug_traces'))
        .reduce((sum, [, entry]) => sum + entry.requestUnits, 0);
    rows.push(
      {
        benchmark: 'request units',
        measure: "per live tail stream, per second open, a session with nothing stored (the stream's reads of logs and traces)",
        value: streamShare(idleTail) / tailSeconds,
        unit: 'RU/s',
        lowerIsBetter: true,
        note: `${tailSeconds} s, all recorded: ${describe(idleTail)} (the debug_sessions queries are the instance's index refresh, there with or without streams)`,
      },
      {
        benchmark: 'request units',
        measure: "per live tail stream, per second open, the session sending 50 items a second (the stream's reads of logs and traces)",
        value: (streamShare(sendingTail) - streamShare(sendingAlone)) / tailSeconds,
        unit: 'RU/s',
        reference: { value: streamShare(idleTail) / tailSeconds, label: 'the same reads, nothing stored' },
        ratio: (streamShare(sendingTail) - streamShare(sendingAlone)) / streamShare(idleTail),
        lowerIsBetter: true,
        note: `with the stream: ${describe(sendingTail)}; the sending alone: ${describe(sendingAlone)}`,
      },
    );
    const tail = { idle: idleTail, sending: sendingTail, sendingAlone };

    // The index refresh when 1 % of 100k live sessions change every second: the refresh query then returns 1,000
    // sessions a second on every instance. What it returns per changed session is measured: sessions created through
    // the API, then a poll after the refresh interval, which folds them in with one query of the index's fields.
    const refreshOperations = await recorded(scene, async () => {
      for (let index = 0; index < REFRESH_PROBE_SESSIONS; index++) {
        await createSession(scene.url, admin, { targetDeviceId: `ru-refresh-${randomUUID().slice(0, 8)}`, userConsent: 'pre_consent' });
      }
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await pollConfig(scene.url, { deviceId: 'ru-refresh-probe', platform: 'ios', appVersion: '5.12.0' });
    });
    const refreshReads = refreshOperations.filter((operation) => operation.label === 'index refresh' && (operation.returnedDocuments ?? 0) > 0);
    const refreshedDocuments = refreshReads.reduce((sum, operation) => sum + (operation.returnedDocuments ?? 0), 0);
    if (refreshedDocuments < REFRESH_PROBE_SESSIONS) {
      throw new Error(`the index refresh returned ${refreshedDocuments} of the ${REFRESH_PROBE_SESSIONS} sessions just created`);
    }
    const refreshedBytes = refreshReads.reduce((sum, operation) => sum + (operation.returnedBytes ?? 0), 0) / refreshedDocuments;
    const wholeDocumentBytes = writtenShape(ingestOperations.concat(reportOperations), 'debug_sessions').bytes || 1024;
    const churned = 1_000;
    const refreshCharge = (bytesPerSession: number) =>
      summarizeCharges([
        {
          kind: 'query',
          container: 'debug_sessions',
          documentBytes: 0,
          indexedTerms: 0,
          pages: 1,
          returnedDocuments: churned,
          returnedBytes: churned * bytesPerSession,
        },
      ]).total;
    const refreshRequestUnits = refreshCharge(refreshedBytes);
    const wholeDocumentRequestUnits = refreshCharge(wholeDocumentBytes);
    rows.push({
      benchmark: 'request units',
      measure: 'per second per instance: the index refresh when 1 % of 100k live sessions change every second (modelled: one query returning 1,000 sessions)',
      value: refreshRequestUnits,
      unit: 'RU/s',
      reference: { value: wholeDocumentRequestUnits, label: 'the same query returning whole session documents' },
      ratio: refreshRequestUnits / wholeDocumentRequestUnits,
      lowerIsBetter: true,
      note: `the refresh returns ${refreshedBytes.toFixed(0)} B per session (the index's fields, measured over ${refreshedDocuments} refreshed sessions); whole session documents are ${wholeDocumentBytes.toFixed(0)} B as written in this run; the refresh with nothing changed costs ${(poll.total / pollSeconds).toFixed(1)} RU/s (measured above)`,
    });

    // Erasure, measured: a user observed by ERASURE_SESSIONS_PER_SUBJECT sessions (each on its own device, the
    // user id in the device context), each filled with realistic items through ingest while recording (so each
    // delete is priced with the document it removes), then one erasure request, recorded until it is completed.
    const subject = `ru-erasure-${randomUUID().slice(0, 8)}`;
    const sessionsPerSubject = context.quick ? 2 : ERASURE_SESSIONS_PER_SUBJECT;
    const itemsPerSession = context.quick ? 200 : ERASURE_ITEMS_PER_SESSION;
    await recorded(scene, async () => {
      for (let index = 0; index < sessionsPerSubject; index++) {
        const deviceId = `${subject}-device-${index}`;
        const erased = await createSession(scene.url, admin, {
          targetDeviceId: deviceId,
          userConsent: 'pre_consent',
          collectionLevel: 'trace',
          capture: { logs: true, traces: true, breadcrumbs: true, network: true },
        });
        const token = (await pollConfig(scene.url, { deviceId, userId: subject })).config.session!.ingestToken;
        for (let sent = 0; sent < itemsPerSession; sent += ITEMS_PER_BATCH) {
          const response = await fetch(`${scene.url}/api/diagnostics/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-diagnostics-key': productKey, authorization: `Bearer ${token}` },
            body: JSON.stringify({ sessionId: erased.id, device: { deviceId, userId: subject, ...REALISTIC_DEVICE }, items: factory.nextItems() }),
          });
          await response.arrayBuffer();
          if (response.status !== 202) throw new Error(`seeding the erased subject: ingest answered ${response.status}`);
        }
      }
    });
    const erasureOperations = await recorded(
      scene,
      async () => {
        const response = await fetch(`${scene.url}/api/diagnostics/erasures`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ productId: DEMO_PRODUCT_ID, userId: subject, requestId: `RU-${subject}` }),
        });
        if (response.status !== 202) throw new Error(`erasure answered ${response.status} ${await response.text()}`);
        const { id } = (await response.json()) as { id: string };
        const deadline = Date.now() + 300_000;
        for (;;) {
          const state = (
            (await (await fetch(`${scene.url}/api/diagnostics/erasures/${id}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { state: string }
          ).state;
          if (state === 'completed') return;
          if (state === 'failed' || Date.now() > deadline) throw new Error(`erasure ${id} ended ${state}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
      true,
    );
    const erasure = summarizeCharges(erasureOperations);
    const itemsPerSubject = sessionsPerSubject * itemsPerSession;
    const deletes = erasureOperations.filter((operation) => operation.kind === 'delete');
    const unknownSizes = deletes.filter((operation) => operation.label === 'size unknown').length;
    const itemDeletes = summarizeCharges(deletes.filter((operation) => operation.container === 'debug_logs' || operation.container === 'debug_traces'));
    rows.push({
      benchmark: 'request units',
      measure: `per erasure (measured: a user observed by ${sessionsPerSubject} sessions × ${itemsPerSession.toLocaleString('en-US')} items, the query-and-delete path an account without the partition-key delete capability takes)`,
      value: erasure.total,
      unit: 'RU',
      reference: { value: itemDeletes.total, label: "the telemetry items' own deletes" },
      ratio: erasure.total / itemDeletes.total,
      lowerIsBetter: true,
      note: `${describe(erasure)}; ${deletes.length} deletes, ${unknownSizes} of documents not written while recording (priced as empty); ${(erasure.total / itemsPerSubject).toFixed(2)} RU per item`,
    });
    const perItemOfErasure = erasure.total / itemsPerSubject;
    context.log(
      `  RU: poll ${(poll.total / polls).toFixed(5)}, item ${(ingest.total / ingestItems).toFixed(2)}, report ${report.total.toFixed(0)}, erasure ${erasure.total.toFixed(0)} (${perItemOfErasure.toFixed(2)} per item)`,
    );
    return {
      rows,
      details: {
        model: DEFAULT_MODEL,
        poll: { polls, seconds: pollSeconds, summary: poll },
        ingest: {
          items: ingestItems,
          summary: ingest,
          shapes: { logs: writtenShape(ingestOperations, 'debug_logs'), spans: writtenShape(ingestOperations, 'debug_traces') },
        },
        ingestWithIdempotencyKey: { items, summary: keyed },
        signals: { devices: signalDevices, summary: signals, series: seriesOnly, totals: totalsOnly },
        report: { items: REPORT_ITEMS, summary: report },
        tail: { seconds: tailSeconds, summary: tail },
        erasure: { sessionsPerSubject, itemsPerSession, summary: erasure },
      },
    };
  } finally {
    await scene.stop();
  }
}
