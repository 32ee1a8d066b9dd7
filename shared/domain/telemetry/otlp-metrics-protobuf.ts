// OTLP/HTTP protobuf metrics: ExportMetricsServiceRequest decoded into the JSON form of the metrics data model
// (lowerCamelCase, fixed64 times as exact decimal strings, counts as numbers, enums as numbers), the shape a
// `/v1/metrics` route checks with zod for JSON. Gauges, sums and explicit-bucket histograms are read;
// exponential histograms, summaries, exemplars and metadata are skipped. `/api/v1/metrics` (functions/otlp-metrics-post.ts).
import { fieldSet, WireReader } from './protobuf-wire';
import { pushAttribute, readResource, readScope, type KeyValueJson } from './otlp-protobuf';

export interface NumberDataPointJson {
  attributes?: KeyValueJson[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  /** sfixed64: a number when safe, else the exact decimal string. */
  asInt?: number | string;
  flags?: number;
}

export interface HistogramDataPointJson {
  attributes?: KeyValueJson[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  min?: number;
  max?: number;
  flags?: number;
}

export interface MetricJson {
  name: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberDataPointJson[] };
  sum?: { dataPoints?: NumberDataPointJson[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: HistogramDataPointJson[]; aggregationTemporality?: number };
}

export interface OtlpMetricsRequestJson {
  resourceMetrics?: Array<{
    resource?: { attributes?: KeyValueJson[] };
    scopeMetrics?: Array<{ scope?: { name?: string; version?: string }; metrics?: MetricJson[] }>;
  }>;
}

const numberPointFields = fieldSet(2, 3, 4, 6, 7, 8);
function readNumberDataPoint(reader: WireReader, end: number): NumberDataPointJson {
  const point: NumberDataPointJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    switch (tag) {
      case 0x11 /* 2 i64 */:
        point.startTimeUnixNano = reader.fixed64Decimal(end);
        break;
      case 0x19 /* 3 i64 */:
        point.timeUnixNano = reader.fixed64Decimal(end);
        break;
      // as_double and as_int are a oneof: the last on the wire wins.
      case 0x21 /* 4 i64 */:
        point.asDouble = reader.double(end);
        delete point.asInt;
        break;
      case 0x31 /* 6 i64 */:
        point.asInt = reader.sfixed64(end);
        delete point.asDouble;
        break;
      case 0x3a /* 7 len */:
        point.attributes = pushAttribute(reader, end, point.attributes);
        break;
      case 0x40 /* 8 varint */:
        point.flags = reader.int32(end) >>> 0;
        break;
      default:
        reader.skip(tag, end, numberPointFields, 'NumberDataPoint');
    }
  }
  return point;
}

const histogramPointFields = fieldSet(2, 3, 4, 5, 6, 7, 9, 10, 11, 12);
function readHistogramDataPoint(reader: WireReader, end: number): HistogramDataPointJson {
  const point: HistogramDataPointJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    switch (tag) {
      case 0x11 /* 2 i64 */:
        point.startTimeUnixNano = reader.fixed64Decimal(end);
        break;
      case 0x19 /* 3 i64 */:
        point.timeUnixNano = reader.fixed64Decimal(end);
        break;
      case 0x21 /* 4 i64 */:
        point.count = reader.fixed64Number(end);
        break;
      case 0x29 /* 5 i64 */:
        point.sum = reader.double(end);
        break;
      // Repeated scalars come packed (proto3's default) or one by one; readers must take both.
      case 0x32 /* 6 len */:
      case 0x31 /* 6 i64 */:
        reader.packedFixed64(tag, end, (point.bucketCounts ??= []));
        break;
      case 0x3a /* 7 len */:
      case 0x39 /* 7 i64 */:
        reader.packedDouble(tag, end, (point.explicitBounds ??= []));
        break;
      case 0x4a /* 9 len */:
        point.attributes = pushAttribute(reader, end, point.attributes);
        break;
      case 0x50 /* 10 varint */:
        point.flags = reader.int32(end) >>> 0;
        break;
      case 0x59 /* 11 i64 */:
        point.min = reader.double(end);
        break;
      case 0x61 /* 12 i64 */:
        point.max = reader.double(end);
        break;
      default:
        reader.skip(tag, end, histogramPointFields, 'HistogramDataPoint');
    }
  }
  return point;
}

/** Gauge, Sum and Histogram: data points (1), aggregation temporality (2), monotonic (3, Sum only). */
function readPoints<Point>(
  reader: WireReader,
  end: number,
  message: string,
  readPoint: (reader: WireReader, end: number) => Point,
): { dataPoints?: Point[]; aggregationTemporality?: number; isMonotonic?: boolean } {
  const data: { dataPoints?: Point[]; aggregationTemporality?: number; isMonotonic?: boolean } = {};
  const known = message === 'Gauge' ? fieldSet(1) : message === 'Sum' ? fieldSet(1, 2, 3) : fieldSet(1, 2);
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) (data.dataPoints ??= []).push(readPoint(reader, reader.lengthEnd(end)));
    else if (tag === 0x10 /* 2 varint */ && message !== 'Gauge') data.aggregationTemporality = reader.int32(end);
    else if (tag === 0x18 /* 3 varint */ && message === 'Sum') data.isMonotonic = reader.bool(end);
    else reader.skip(tag, end, known, message);
  }
  return data;
}

const metricFields = fieldSet(1, 2, 3, 5, 7, 9);
function readMetric(reader: WireReader, end: number): MetricJson {
  const metric: MetricJson = { name: '' };
  while (reader.pos < end) {
    const tag = reader.tag(end);
    switch (tag) {
      case 0x0a /* 1 len */:
        metric.name = reader.string(end);
        break;
      case 0x12 /* 2 len */:
        metric.description = reader.string(end);
        break;
      case 0x1a /* 3 len */:
        metric.unit = reader.string(end);
        break;
      case 0x2a /* 5 len */: {
        const { dataPoints } = readPoints(reader, reader.lengthEnd(end), 'Gauge', readNumberDataPoint);
        metric.gauge = dataPoints ? { dataPoints } : {};
        break;
      }
      case 0x3a /* 7 len */:
        metric.sum = readPoints(reader, reader.lengthEnd(end), 'Sum', readNumberDataPoint);
        break;
      case 0x4a /* 9 len */: {
        const { dataPoints, aggregationTemporality } = readPoints(reader, reader.lengthEnd(end), 'Histogram', readHistogramDataPoint);
        metric.histogram = { ...(dataPoints ? { dataPoints } : {}), ...(aggregationTemporality !== undefined ? { aggregationTemporality } : {}) };
        break;
      }
      default:
        reader.skip(tag, end, metricFields, 'Metric');
    }
  }
  return metric;
}

type ResourceMetricsJson = NonNullable<OtlpMetricsRequestJson['resourceMetrics']>[number];
type ScopeMetricsJson = NonNullable<ResourceMetricsJson['scopeMetrics']>[number];

const pairFields = fieldSet(1, 2);
function readScopeMetrics(reader: WireReader, end: number): ScopeMetricsJson {
  const scopeMetrics: ScopeMetricsJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) scopeMetrics.scope = readScope(reader, reader.lengthEnd(end), scopeMetrics.scope);
    else if (tag === 0x12 /* 2 len */) (scopeMetrics.metrics ??= []).push(readMetric(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, pairFields, 'ScopeMetrics');
  }
  return scopeMetrics;
}

function readResourceMetrics(reader: WireReader, end: number): ResourceMetricsJson {
  const resourceMetrics: ResourceMetricsJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) resourceMetrics.resource = readResource(reader, reader.lengthEnd(end), resourceMetrics.resource);
    else if (tag === 0x12 /* 2 len */) (resourceMetrics.scopeMetrics ??= []).push(readScopeMetrics(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, pairFields, 'ResourceMetrics');
  }
  return resourceMetrics;
}

/** ExportMetricsServiceRequest; malformed bytes throw an `invalid_input` AppError naming the message and byte. */
export function decodeMetricsRequest(bytes: Uint8Array): OtlpMetricsRequestJson {
  const reader = new WireReader(bytes, 'ExportMetricsServiceRequest');
  const end = bytes.length;
  const request: OtlpMetricsRequestJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) (request.resourceMetrics ??= []).push(readResourceMetrics(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, fieldSet(1), 'ExportMetricsServiceRequest');
  }
  return request;
}
