// OTLP decode cost: our protobuf reader against JSON.parse of the same request, alone and with what each
// encoding needs before ingest (the JSON form's zod check, then the one mapping both share). The requests are
// 512 spans / 512 log records (the exporters' default batch) made by the OpenTelemetry JS SDK and encoded by
// its own serializers, so both encodings carry exactly the same records.
import { performance } from 'node:perf_hooks';
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { mapLogsRequest, mapTraceRequest, otlpLogsRequestSchema, otlpTraceRequestSchema } from '../shared/domain/telemetry/otlp';
import { decodeLogsRequest, decodeTraceRequest } from '../shared/domain/telemetry/otlp-protobuf';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import type { Row } from './support/report';
import { median } from './support/statistics';

const BATCH = 512;
const resource = resourceFromAttributes({
  'service.name': 'shop-web',
  'service.version': '4.2.0',
  'device.id': 'dev-bench',
  'os.type': 'android',
  'os.version': '14',
  'telemetry.sdk.language': 'java',
});

function spanRequests(): { protobuf: Uint8Array; json: Uint8Array } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('checkout', '1.0.0');
  for (let index = 0; index < BATCH / 2; index++) {
    const parent = tracer.startSpan(`GET /api/orders/{id}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.path': `/api/orders/${index}`,
        'http.response.status_code': 200,
        'server.address': 'shop.example.com',
        'user_agent.original': 'okhttp/4.12.0',
        'network.protocol.version': '1.1',
        'app.retries': index % 3,
        'app.ratio': index / 7,
      },
    });
    const child = tracer.startSpan(
      'SELECT orders',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM orders WHERE id = $1', 'db.rows': 1 } },
      trace.setSpan(context.active(), parent),
    );
    child.addEvent('cache miss', { 'cache.key': `order:${index}` });
    if (index % 10 === 0) child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    child.end();
    parent.end();
  }
  const spans = memory.getFinishedSpans();
  return { protobuf: ProtobufTraceSerializer.serializeRequest(spans)!, json: JsonTraceSerializer.serializeRequest(spans)! };
}

function logRequests(): { protobuf: Uint8Array; json: Uint8Array } {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('payments', '2.0.0');
  for (let index = 0; index < BATCH; index++) {
    logger.emit({
      severityNumber: index % 8 === 0 ? 17 : 9,
      severityText: index % 8 === 0 ? 'ERROR' : 'INFO',
      body: index % 4 === 0 ? { event: 'checkout', order: index, items: [1, 2, 3] } : `order ${index} moved to state shipped after ${index * 3} ms`,
      attributes: { 'thread.name': 'main', 'code.function': 'OrderService.ship', 'order.id': `ord_${index}`, attempt: index % 3 },
    });
  }
  const records = memory.getFinishedLogRecords();
  return { protobuf: ProtobufLogsSerializer.serializeRequest(records)!, json: JsonLogsSerializer.serializeRequest(records)! };
}

/**
 * CPU microseconds per call (this process's user + system time, so time the core spent on other processes of a
 * shared machine does not count), over as many calls as fit the wall-clock budget.
 */
function microsecondsPerCall(work: () => unknown, budgetInMs: number): number {
  let calls = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < budgetInMs) {
    for (let step = 0; step < 4; step++) work();
    calls += 4;
  }
  const cpu = process.cpuUsage(cpuBefore);
  return (cpu.user + cpu.system) / calls;
}

export async function benchOtlpDecode(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const rounds = context.quick ? 2 : 5;
  const budgetInMs = context.quick ? 150 : 600;
  const now = new Date();
  const signals = [
    { signal: 'traces', ...spanRequests(), decode: decodeTraceRequest, schema: otlpTraceRequestSchema, map: mapTraceRequest },
    { signal: 'logs', ...logRequests(), decode: decodeLogsRequest, schema: otlpLogsRequestSchema, map: mapLogsRequest },
  ] as const;
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const entry of signals) {
    const protobufBytes = Buffer.from(entry.protobuf);
    const jsonBytes = Buffer.from(entry.json);
    const contenders = {
      protobufDecode: () => entry.decode(protobufBytes),
      jsonParse: () => JSON.parse(jsonBytes.toString('utf8')),
      protobufToItems: () => (entry.map as (request: unknown, now: Date) => unknown)(entry.decode(protobufBytes), now),
      jsonToItems: () => (entry.map as (request: unknown, now: Date) => unknown)(entry.schema.parse(JSON.parse(jsonBytes.toString('utf8'))), now),
    };
    const samples: Record<keyof typeof contenders, number[]> = { protobufDecode: [], jsonParse: [], protobufToItems: [], jsonToItems: [] };
    for (const work of Object.values(contenders)) microsecondsPerCall(work, 100);
    // Interleaved rounds: drift on a shared machine lands on every contender alike.
    for (let round = 0; round < rounds; round++) {
      for (const [name, work] of Object.entries(contenders)) samples[name as keyof typeof contenders].push(microsecondsPerCall(work, budgetInMs));
    }
    const result = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)])) as Record<keyof typeof contenders, number>;
    details[entry.signal] = { protobufBytes: protobufBytes.length, jsonBytes: jsonBytes.length, microseconds: result, samples };
    context.log(
      `  ${entry.signal}: ${BATCH} items, protobuf ${(protobufBytes.length / 1024).toFixed(0)} KiB / JSON ${(jsonBytes.length / 1024).toFixed(0)} KiB; decode ${result.protobufDecode.toFixed(0)} µs vs JSON.parse ${result.jsonParse.toFixed(0)} µs; to items ${result.protobufToItems.toFixed(0)} µs vs ${result.jsonToItems.toFixed(0)} µs`,
    );
    rows.push(
      {
        benchmark: 'otlp-decode',
        measure: `${entry.signal}: protobuf decode, ${BATCH} items`,
        value: result.protobufDecode,
        unit: 'µs',
        reference: { value: result.jsonParse, label: 'JSON.parse of the same request' },
        ratio: result.protobufDecode / result.jsonParse,
        lowerIsBetter: true,
        ratioAs: 'multiple',
        target: '≤ 1x JSON.parse',
        met: result.protobufDecode <= result.jsonParse,
        note: `protobuf ${protobufBytes.length} bytes, JSON ${jsonBytes.length} bytes`,
      },
      {
        benchmark: 'otlp-decode',
        measure: `${entry.signal}: protobuf to items (decode + mapping)`,
        value: result.protobufToItems,
        unit: 'µs',
        reference: { value: result.jsonToItems, label: 'JSON.parse + zod + mapping' },
        ratio: result.protobufToItems / result.jsonToItems,
        lowerIsBetter: true,
        ratioAs: 'multiple',
        target: '≤ 1x the JSON path',
        met: result.protobufToItems <= result.jsonToItems,
      },
    );
  }
  return { rows, details };
}
