// The stock OpenTelemetry Java SDK and its OTLP/HTTP exporters (protobuf) sending spans and logs with planted PII,
// and a delta error counter as metrics. Configured by environment: OTLP_BASE (e.g. http://127.0.0.1:7071/api),
// DIAGNOSTICS_KEY, INGEST_TOKEN, DEVICE_ID, RUN_ID, APP_VERSION (the metrics' service.version). Exits 1 when an export
// did not succeed.
package diagnostics.interop;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

public final class SendTelemetry {
  private SendTelemetry() {}

  /** Each export's outcome, which the simple processors would only log. */
  private static final List<CompletableResultCode> results = new ArrayList<>();

  private static synchronized CompletableResultCode recorded(CompletableResultCode result) {
    results.add(result);
    return result;
  }

  public static void main(String[] args) {
    String base = System.getenv("OTLP_BASE");
    String runId = System.getenv("RUN_ID");
    String key = System.getenv("DIAGNOSTICS_KEY");
    String token = System.getenv("INGEST_TOKEN");
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "java-interop",
        AttributeKey.stringKey("service.version"), "1.0.0",
        AttributeKey.stringKey("device.id"), System.getenv("DEVICE_ID"))));

    SpanExporter stockSpans = OtlpHttpSpanExporter.builder()
        .setEndpoint(base + "/v1/traces")
        .addHeader("x-diagnostics-key", key)
        .addHeader("authorization", "Bearer " + token)
        .setCompression("gzip")
        .build();
    SpanExporter spans = new SpanExporter() {
      @Override public CompletableResultCode export(Collection<SpanData> batch) { return recorded(stockSpans.export(batch)); }
      @Override public CompletableResultCode flush() { return stockSpans.flush(); }
      @Override public CompletableResultCode shutdown() { return stockSpans.shutdown(); }
    };
    SdkTracerProvider tracerProvider = SdkTracerProvider.builder().setResource(resource).addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    Tracer tracer = tracerProvider.get("interop.java", "1.0.0");
    Span parent = tracer.spanBuilder("checkout " + runId)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("enduser.email", "jane.doe@example.com")
        .setAttribute("payment.card", "4111 1111 1111 1111")
        .setAttribute("retries", 3L)
        .startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      Span child = tracer.spanBuilder("charge card").setSpanKind(SpanKind.CLIENT).startSpan();
      child.addEvent("card declined", Attributes.of(AttributeKey.stringKey("card.number"), "4111 1111 1111 1111"));
      child.setStatus(StatusCode.ERROR, "declined");
      child.end();
    } finally {
      parent.end();
    }
    tracerProvider.forceFlush().join(30, TimeUnit.SECONDS);
    tracerProvider.shutdown().join(30, TimeUnit.SECONDS);

    LogRecordExporter stockLogs = OtlpHttpLogRecordExporter.builder()
        .setEndpoint(base + "/v1/logs")
        .addHeader("x-diagnostics-key", key)
        .addHeader("authorization", "Bearer " + token)
        .build();
    LogRecordExporter logs = new LogRecordExporter() {
      @Override public CompletableResultCode export(Collection<LogRecordData> batch) { return recorded(stockLogs.export(batch)); }
      @Override public CompletableResultCode flush() { return stockLogs.flush(); }
      @Override public CompletableResultCode shutdown() { return stockLogs.shutdown(); }
    };
    SdkLoggerProvider loggerProvider = SdkLoggerProvider.builder().setResource(resource).addLogRecordProcessor(SimpleLogRecordProcessor.create(logs)).build();
    Logger logger = loggerProvider.get("payments");
    logger.logRecordBuilder()
        .setSeverity(Severity.ERROR)
        .setSeverityText("ERROR")
        .setBody("payment " + runId + " failed for jane.doe@example.com with card 4111 1111 1111 1111")
        .setAttribute(AttributeKey.stringKey("order.id"), "ord_123")
        .emit();
    logger.logRecordBuilder().setSeverity(Severity.INFO).setBody("checkout " + runId + " done").emit();
    loggerProvider.forceFlush().join(30, TimeUnit.SECONDS);
    loggerProvider.shutdown().join(30, TimeUnit.SECONDS);

    // Metrics with delta temporality (what /v1/metrics takes); the reader's interval is long, so the one export is
    // the flush below.
    MetricExporter stockMetrics = OtlpHttpMetricExporter.builder()
        .setEndpoint(base + "/v1/metrics")
        .addHeader("x-diagnostics-key", key)
        .setAggregationTemporalitySelector(AggregationTemporalitySelector.deltaPreferred())
        .build();
    MetricExporter metrics = new MetricExporter() {
      @Override public CompletableResultCode export(Collection<MetricData> batch) { return recorded(stockMetrics.export(batch)); }
      @Override public AggregationTemporality getAggregationTemporality(InstrumentType type) { return stockMetrics.getAggregationTemporality(type); }
      @Override public CompletableResultCode flush() { return stockMetrics.flush(); }
      @Override public CompletableResultCode shutdown() { return stockMetrics.shutdown(); }
    };
    Resource metricResource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "java-interop",
        AttributeKey.stringKey("service.version"), System.getenv("APP_VERSION"))));
    SdkMeterProvider meterProvider = SdkMeterProvider.builder()
        .setResource(metricResource)
        .registerMetricReader(PeriodicMetricReader.builder(metrics).setInterval(Duration.ofHours(1)).build())
        .build();
    meterProvider.get("interop.java").counterBuilder("diagnostics.errors").build()
        .add(3, Attributes.of(AttributeKey.stringKey("error.fingerprint"), "fp-interop"));
    meterProvider.forceFlush().join(30, TimeUnit.SECONDS);
    meterProvider.shutdown().join(30, TimeUnit.SECONDS);

    boolean ok = !results.isEmpty();
    for (CompletableResultCode result : results) ok &= result.join(30, TimeUnit.SECONDS).isSuccess();
    System.out.println("java: " + results.size() + " exports, " + (ok ? "all succeeded" : "some failed"));
    System.exit(ok ? 0 : 1);
  }
}
