// OTLP/HTTP protobuf metrics: ExportMetricsServiceRequest decoded into the JSON form of the metrics data model
// (lowerCamelCase, fixed64 times as exact decimal strings, counts as numbers, enums as numbers), the shape a
// `/v1/metrics` route checks with zod for JSON. Gauges, sums and explicit-bucket histograms are read;
// exponential histograms, summaries, exemplars and metadata are skipped. Not wired to a route yet.
import { fieldSet, tagOf, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from './protobuf-wire';
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

const LEN_1 = tagOf(1, WIRE_LEN);
const LEN_2 = tagOf(2, WIRE_LEN);

const numberPointFields = fieldSet(2, 3, 4, 6, 7, 8);
function readNumberDataPoint(reader: WireReader, end: number): NumberDataPointJson {
  const point: NumberDataPointJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    switch (tag) {
      case tagOf(2, WIRE_I64):
        point.startTimeUnixNano = reader.fixed64Decimal(end);
        break;
      case tagOf(3, WIRE_I64):
        point.timeUnixNano = reader.fixed64Decimal(end);
        break;
      // as_double and as_int are a oneof: the last on the wire wins.
      case tagOf(4, WIRE_I64):
        point.asDouble = reader.double(end);
        delete point.asInt;
        break;
      case tagOf(6, WIRE_I64):
        point.asInt = reader.sfixed64(end);
        delete point.asDouble;
        break;
      case tagOf(7, WIRE_LEN):
        point.attributes = pushAttribute(reader, end, point.attributes);
        break;
      case tagOf(8, WIRE_VARINT):
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
      case tagOf(2, WIRE_I64):
        point.startTimeUnixNano = reader.fixed64Decimal(end);
        break;
      case tagOf(3, WIRE_I64):
        point.timeUnixNano = reader.fixed64Decimal(end);
        break;
      case tagOf(4, WIRE_I64):
        point.count = reader.fixed64Number(end);
        break;
      case tagOf(5, WIRE_I64):
        point.sum = reader.double(end);
        break;
      // Repeated scalars come packed (proto3's default) or one by one; readers must take both.
      case tagOf(6, WIRE_LEN):
      case tagOf(6, WIRE_I64):
        reader.packedFixed64(tag, end, (point.bucketCounts ??= []));
        break;
      case tagOf(7, WIRE_LEN):
      case tagOf(7, WIRE_I64):
        reader.packedDouble(tag, end, (point.explicitBounds ??= []));
        break;
      case tagOf(9, WIRE_LEN):
        point.attributes = pushAttribute(reader, end, point.attributes);
        break;
      case tagOf(10, WIRE_VARINT):
        point.flags = reader.int32(end) >>> 0;
        break;
      case tagOf(11, WIRE_I64):
        point.min = reader.double(end);
        break;
      case tagOf(12, WIRE_I64):
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
    if (tag === LEN_1) (data.dataPoints ??= []).push(readPoint(reader, reader.lengthEnd(end)));
    else if (tag === tagOf(2, WIRE_VARINT) && message !== 'Gauge') data.aggregationTemporality = reader.int32(end);
    else if (tag === tagOf(3, WIRE_VARINT) && message === 'Sum') data.isMonotonic = reader.bool(end);
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
      case LEN_1:
        metric.name = reader.string(end);
        break;
      case LEN_2:
        metric.description = reader.string(end);
        break;
      case tagOf(3, WIRE_LEN):
        metric.unit = reader.string(end);
        break;
      case tagOf(5, WIRE_LEN): {
        const { dataPoints } = readPoints(reader, reader.lengthEnd(end), 'Gauge', readNumberDataPoint);
        metric.gauge = dataPoints ? { dataPoints } : {};
        break;
      }
      case tagOf(7, WIRE_LEN):
        metric.sum = readPoints(reader, reader.lengthEnd(end), 'Sum', readNumberDataPoint);
        break;
      case tagOf(9, WIRE_LEN): {
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
    if (tag === LEN_1) scopeMetrics.scope = readScope(reader, reader.lengthEnd(end), scopeMetrics.scope);
    else if (tag === LEN_2) (scopeMetrics.metrics ??= []).push(readMetric(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, pairFields, 'ScopeMetrics');
  }
  return scopeMetrics;
}

function readResourceMetrics(reader: WireReader, end: number): ResourceMetricsJson {
  const resourceMetrics: ResourceMetricsJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === LEN_1) resourceMetrics.resource = readResource(reader, reader.lengthEnd(end), resourceMetrics.resource);
    else if (tag === LEN_2) (resourceMetrics.scopeMetrics ??= []).push(readScopeMetrics(reader, reader.lengthEnd(end)));
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
    if (tag === LEN_1) (request.resourceMetrics ??= []).push(readResourceMetrics(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, fieldSet(1), 'ExportMetricsServiceRequest');
  }
  return request;
}
