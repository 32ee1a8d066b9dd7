// Live tail: latency from the ingest answer (202) to the item arriving on an open SSE stream (p50/p99), and the
// host's CPU per open stream per second, idle and on a session that keeps sending; the embedded Cosmos's CPU for
// the streams' polls is reported beside it; then the growth curve of the host's CPU with 10, 40 and 100 streams open
// on one sending session (the fan-out of 100 concurrent tails: every item reaching every stream, and how late).
// Method and caveats: docs/live-tail.md.
import { randomUUID } from 'node:crypto';
import { createParser } from 'eventsource-parser';
import { DEMO_PRODUCT_ID, LOCAL_AUTH, LOCAL_DEV_SECRETS, withDevSensitive } from '../local-host/local-settings';
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import { adminToken, createSession, pollConfig, productKey } from './support/api';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import { growthRows, type Row } from './support/report';
import { startHostScene, type HostScene } from './support/scene';
import { fittedGrowthExponent, percentile } from './support/statistics';

const POLL_INTERVAL_MS = 1000;
const SETTLE_MS = 500;

function engineerToken(): Promise<string> {
  return signLocalToken(
    {
      issuer: LOCAL_AUTH.AUTH_ISSUER,
      audience: LOCAL_AUTH.AUTH_AUDIENCE,
      rolesClaim: 'roles',
      productsClaim: 'products',
      localSecret: LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET,
    },
    { subject: `bench-engineer-${randomUUID().slice(0, 8)}`, roles: withDevSensitive(['engineer']), products: [DEMO_PRODUCT_ID], expiresInSeconds: 3600 },
  );
}

interface Device {
  sessionId: string;
  headers: Record<string, string>;
}

async function openDevice(url: string, admin: string): Promise<Device> {
  const deviceId = `bench-tail-${randomUUID().slice(0, 8)}`;
  const session = await createSession(url, admin, { targetDeviceId: deviceId, userConsent: 'auto', collectionLevel: 'debug' });
  const polled = await pollConfig(url, { deviceId });
  if (polled.config.session?.id !== session.id) throw new Error('the config poll did not hand out the session');
  return {
    sessionId: session.id,
    headers: { 'x-diagnostics-key': productKey, authorization: `Bearer ${polled.config.session.ingestToken}`, 'content-type': 'application/json' },
  };
}

async function send(url: string, device: Device, items: unknown[]): Promise<number> {
  const response = await fetch(`${url}/api/diagnostics/ingest`, {
    method: 'POST',
    headers: device.headers,
    body: JSON.stringify({ sessionId: device.sessionId, items }),
  });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
  return performance.now();
}

interface OpenStream {
  arrivals: Map<string, number>;
  close(): void;
  opened: Promise<void>;
}

/** One SSE connection; records when each item id arrived. */
function openStream(url: string, sessionId: string, token: string): OpenStream {
  const abort = new AbortController();
  const arrivals = new Map<string, number>();
  let markOpen!: () => void;
  const opened = new Promise<void>((resolve) => (markOpen = resolve));
  void (async () => {
    try {
      const response = await fetch(`${url}/api/diagnostics/sessions/${sessionId}/tail`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
      if (response.status !== 200 || !response.body) throw new Error(`tail answered ${response.status}`);
      markOpen();
      const parser = createParser({
        onEvent(message) {
          if (message.event === 'item') arrivals.set((JSON.parse(message.data) as { itemId: string }).itemId, performance.now());
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch (error) {
      if (!abort.signal.aborted) console.error(`  tail stream failed: ${(error as Error).message}`);
      markOpen();
    }
  })();
  return { arrivals, close: () => abort.abort(), opened };
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function latency(scene: HostScene, admin: string, token: string, samples: number): Promise<number[]> {
  const device = await openDevice(scene.url, admin);
  const stream = openStream(scene.url, device.sessionId, token);
  await stream.opened;
  await sleep(1500);
  const answered = new Map<string, number>();
  for (let index = 0; index < samples; index++) {
    const id = `lat-${index}`;
    answered.set(
      id,
      await send(scene.url, device, [{ kind: 'log', id, timestamp: new Date().toISOString(), level: 'info', message: `latency probe ${index}` }]),
    );
    // Spread over the poll and second boundaries, as real traffic is.
    await sleep(300 + Math.random() * 900);
  }
  const deadline = Date.now() + 10_000;
  while (stream.arrivals.size < samples && Date.now() < deadline) await sleep(100);
  stream.close();
  const latencies: number[] = [];
  for (const [id, at] of answered) {
    const arrived = stream.arrivals.get(id);
    if (arrived === undefined) throw new Error(`item ${id} never arrived on the stream`);
    latencies.push(arrived - at);
  }
  return latencies;
}

/** Host and Cosmos CPU over a window, with `streams` open on one session that sends `itemsPerSecond` meanwhile. */
async function cpuWith(scene: HostScene, admin: string, token: string, streams: number, itemsPerSecond: number, seconds: number) {
  const device = await openDevice(scene.url, admin);
  const open = Array.from({ length: streams }, () => openStream(scene.url, device.sessionId, token));
  await Promise.all(open.map((stream) => stream.opened));
  await sleep(2000);
  const [hostBefore, cosmosBefore] = await Promise.all([scene.host.usage(), scene.cosmos.usage()]);
  let sent = 0;
  const sentAt = new Map<string, number>();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (itemsPerSecond > 0) {
      const items = Array.from({ length: itemsPerSecond }, (_, index) => ({
        kind: 'log',
        id: `cpu-${sent + index}`,
        timestamp: new Date().toISOString(),
        level: 'info',
        message: `load ${sent + index}`,
      }));
      const answeredAt = await send(scene.url, device, items);
      for (const item of items) sentAt.set(item.id, answeredAt);
      sent += itemsPerSecond;
    }
    await sleep(1000);
  }
  const [hostAfter, cosmosAfter] = await Promise.all([scene.host.usage(), scene.cosmos.usage()]);
  // Outside the measured window: let the last complete seconds reach every stream, to check nothing was lost.
  const drainUntil = Date.now() + 10_000;
  while (open.some((stream) => stream.arrivals.size < sent) && Date.now() < drainUntil) await sleep(200);
  for (const stream of open) stream.close();
  const elapsed = (hostAfter.atMs - hostBefore.atMs) / 1000;
  await sleep(1500);
  // Ingest answer → arrival, for every item on every stream: the fan-out's lateness.
  const lateness = open.flatMap((stream) => [...stream.arrivals].flatMap(([id, arrived]) => (sentAt.has(id) ? [arrived - sentAt.get(id)!] : [])));
  return {
    streams,
    hostCpuMs: (hostAfter.cpuMicros - hostBefore.cpuMicros) / 1000 / elapsed,
    cosmosCpuMs: (cosmosAfter.cpuMicros - cosmosBefore.cpuMicros) / 1000 / elapsed,
    sent,
    delivered: open.map((stream) => stream.arrivals.size),
    latencyP50Ms: percentile(lateness, 0.5),
    latencyP99Ms: percentile(lateness, 0.99),
  };
}

export async function benchLiveTail(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const scene = await startHostScene({
    store: 'cosmos',
    settings: {
      TAIL_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      TAIL_SETTLE_MS: String(SETTLE_MS),
      TAIL_MAX_STREAMS_PER_CALLER: '100',
      TAIL_MAX_STREAMS_PER_PRODUCT: '200',
      RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '10000',
      RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000',
    },
  });
  try {
    const admin = await adminToken();
    const token = await engineerToken();
    const samples = context.quick ? 10 : 60;
    const latencies = await latency(scene, admin, token, samples);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    context.log(`  latency ingest answer → SSE delivery over ${samples} items: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`);

    const seconds = context.quick ? 5 : 15;
    const streams = context.quick ? 5 : 40;
    const baseline = await cpuWith(scene, admin, token, 0, 0, seconds);
    const idle = await cpuWith(scene, admin, token, streams, 0, seconds);
    const busy = await cpuWith(scene, admin, token, streams, 20, seconds);
    const perStream = (run: typeof idle) => (run.hostCpuMs - baseline.hostCpuMs) / streams;
    const cosmosPerStream = (run: typeof idle) => (run.cosmosCpuMs - baseline.cosmosCpuMs) / streams;
    context.log(
      `  host CPU with no stream: ${baseline.hostCpuMs.toFixed(1)} ms/s; ${streams} idle streams: ${idle.hostCpuMs.toFixed(1)} ms/s; ${streams} streams, 20 items/s: ${busy.hostCpuMs.toFixed(1)} ms/s`,
    );
    context.log(
      `  Cosmos CPU: ${baseline.cosmosCpuMs.toFixed(1)} / ${idle.cosmosCpuMs.toFixed(1)} / ${busy.cosmosCpuMs.toFixed(1)} ms/s; items sent ${busy.sent}, delivered per busy stream ${Math.min(...busy.delivered)}-${Math.max(...busy.delivered)}`,
    );
    const rows: Row[] = [
      {
        benchmark: 'live tail',
        measure: 'ingest answer → SSE item, p50 / p99',
        value: p50,
        unit: 'ms',
        lowerIsBetter: true,
        valueText: `${p50.toFixed(0)} / ${p99.toFixed(0)}`,
        note: `poll ${POLL_INTERVAL_MS} ms, settle ${SETTLE_MS} ms: a second is streamed once complete`,
      },
      {
        benchmark: 'live tail',
        measure: 'host CPU per idle open stream',
        value: perStream(idle),
        unit: 'ms CPU/s',
        lowerIsBetter: true,
        note: `${streams} streams, minus the host with none`,
      },
      {
        benchmark: 'live tail',
        measure: 'host CPU per open stream, session sending 20 items/s',
        value: perStream(busy),
        unit: 'ms CPU/s',
        lowerIsBetter: true,
      },
      {
        benchmark: 'live tail',
        measure: 'embedded Cosmos CPU per open stream (idle / sending)',
        value: cosmosPerStream(idle),
        unit: 'ms CPU/s',
        lowerIsBetter: true,
        valueText: `${cosmosPerStream(idle).toFixed(2)} / ${cosmosPerStream(busy).toFixed(2)}`,
      },
    ];
    // The curve: host CPU with more streams open on one session that keeps sending; the largest is the fan-out.
    const curveSizes = context.quick ? [5, 20] : [10, 40, 100];
    const curve = [];
    for (const size of curveSizes) {
      const run = size === streams ? busy : await cpuWith(scene, admin, token, size, 20, seconds);
      curve.push(run);
      context.log(
        `  ${size} streams, 20 items/s: host ${(run.hostCpuMs - baseline.hostCpuMs).toFixed(1)} ms CPU/s above none, delivered ${Math.min(...run.delivered)}-${Math.max(...run.delivered)} of ${run.sent}, p99 ${run.latencyP99Ms.toFixed(0)} ms`,
      );
    }
    const points = curve.map((run) => ({
      size: run.streams,
      cost: Math.max(1e-3, run.hostCpuMs - baseline.hostCpuMs),
      note: `${((run.hostCpuMs - baseline.hostCpuMs) / run.streams).toFixed(2)} ms CPU/s per stream; Cosmos ${(run.cosmosCpuMs - baseline.cosmosCpuMs).toFixed(1)} ms CPU/s`,
    }));
    rows.push(
      ...growthRows({
        benchmark: 'live tail',
        measure: (size) => `host CPU with ${size} streams open on one session sending 20 items/s (above the host with none)`,
        unit: 'ms CPU/s',
        points,
        expect: 'linear',
        exponent: {
          measure: 'live tail host CPU growth exponent k (∝ streams^k, fitted)',
          target: 'linear or better (k ≤ 1.05)',
          limit: 1.05,
          value: fittedGrowthExponent(points),
        },
      }),
    );
    const fanOut = curve[curve.length - 1]!;
    const complete = fanOut.delivered.filter((count) => count >= fanOut.sent).length;
    rows.push(
      {
        benchmark: 'live tail',
        measure: `fan-out: ${fanOut.streams} concurrent tails of one session, streams that received every item sent (${fanOut.sent})`,
        value: (complete / fanOut.streams) * 100,
        unit: '%',
        target: 'every item on every stream',
        met: complete === fanOut.streams,
      },
      {
        benchmark: 'live tail',
        measure: `fan-out: ${fanOut.streams} concurrent tails, ingest answer → SSE item p50 / p99 over every stream`,
        value: fanOut.latencyP99Ms,
        valueText: `${fanOut.latencyP50Ms.toFixed(0)} / ${fanOut.latencyP99Ms.toFixed(0)}`,
        unit: 'ms',
        reference: { value: p99, label: 'one stream (p99)' },
        referenceText: `${p50.toFixed(0)} / ${p99.toFixed(0)}`,
        ratio: fanOut.latencyP99Ms / p99,
        lowerIsBetter: true,
      },
    );
    return { rows, details: { latencies, baseline, idle, busy, streams, seconds, curve } };
  } finally {
    await scene.stop();
  }
}
