"""The stock OpenTelemetry Python SDK and its OTLP/HTTP protobuf exporters sending spans and logs with planted PII,
and a delta error counter as metrics.

Configured by environment: OTLP_BASE (e.g. http://127.0.0.1:7071/api), DIAGNOSTICS_KEY, INGEST_TOKEN, DEVICE_ID,
RUN_ID, APP_VERSION (the metrics' service.version). Exits 1 when an export did not succeed.
"""
import logging
import os
import sys

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import LogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode


class Recording:
    """Wraps a stock exporter and keeps each export's result, which the simple processors only log."""

    def __init__(self, exporter):
        self.exporter = exporter
        self.results = []

    def export(self, batch):
        result = self.exporter.export(batch)
        self.results.append(result)
        return result

    def shutdown(self):
        self.exporter.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


class RecordingSpanExporter(Recording, SpanExporter):
    pass


class RecordingLogExporter(Recording, LogRecordExporter):
    pass


def main() -> int:
    base = os.environ["OTLP_BASE"]
    run_id = os.environ["RUN_ID"]
    headers = {"x-diagnostics-key": os.environ["DIAGNOSTICS_KEY"], "authorization": f"Bearer {os.environ['INGEST_TOKEN']}"}
    resource = Resource.create({"service.name": "python-interop", "service.version": "1.0.0", "device.id": os.environ["DEVICE_ID"]})

    spans = RecordingSpanExporter(OTLPSpanExporter(endpoint=f"{base}/v1/traces", headers=headers, compression=Compression.Gzip))
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    tracer = tracer_provider.get_tracer("interop.python", "1.0.0")
    with tracer.start_as_current_span(f"checkout {run_id}", kind=SpanKind.SERVER, attributes={"enduser.email": "jane.doe@example.com", "payment.card": "4111 1111 1111 1111", "retries": 3}):
        with tracer.start_as_current_span("charge card", kind=SpanKind.CLIENT) as child:
            child.add_event("card declined", {"card.number": "4111 1111 1111 1111"})
            child.set_status(Status(StatusCode.ERROR, "declined"))
    tracer_provider.shutdown()

    logs = RecordingLogExporter(OTLPLogExporter(endpoint=f"{base}/v1/logs", headers=headers))
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    logger = logging.getLogger("payments")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))
    logger.error("payment %s failed for jane.doe@example.com with card 4111 1111 1111 1111", run_id, extra={"order.id": "ord_123"})
    logger.info("checkout %s done", run_id)
    logger_provider.shutdown()

    # Metrics: the reader collects with delta temporality (what /v1/metrics takes); the stock exporter sends them.
    reader = InMemoryMetricReader(preferred_temporality={Counter: AggregationTemporality.DELTA})
    meter_provider = MeterProvider(resource=Resource.create({"service.name": "python-interop", "service.version": os.environ["APP_VERSION"]}), metric_readers=[reader])
    meter_provider.get_meter("interop.python", "1.0.0").create_counter("diagnostics.errors").add(3, {"error.fingerprint": "fp-interop"})
    metric_exporter = OTLPMetricExporter(endpoint=f"{base}/v1/metrics", headers={"x-diagnostics-key": os.environ["DIAGNOSTICS_KEY"]}, compression=Compression.Gzip)
    metric_results = [metric_exporter.export(reader.get_metrics_data())]
    metric_exporter.shutdown()
    meter_provider.shutdown()

    results = spans.results + logs.results + metric_results
    print(f"python: {len(spans.results)} span exports, {len(logs.results)} log exports, {len(metric_results)} metric exports: {[result.name for result in results]}")
    return 0 if results and all(result.name == "SUCCESS" for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
