// Telemetry to Application Insights through the `applicationinsights` v3 SDK (OpenTelemetry underneath):
// request/dependency tracking set up once at cold start, and our catalogued metrics and events.
// Every item is checked against shared/runtime/telemetry-catalog.ts; a refused one is dropped and counted.
import type * as ApplicationInsightsSdk from 'applicationinsights';
import type { AzureMonitorOpenTelemetryOptions } from 'applicationinsights';
import type { TokenCredential } from '@azure/identity';
import type { Dimensions, Telemetry } from '../../ports/telemetry';
import { catalogProblem, type MetricName, type TelemetryEventName, type TelemetryKind } from '../../ports/telemetry-catalog';

/** The part of the SDK's TelemetryClient this adapter uses. */
export type ApplicationInsightsClient = Pick<ApplicationInsightsSdk.TelemetryClient, 'trackMetric' | 'trackEvent' | 'trackException' | 'flush'>;

/** Longest exception message sent; ours are short (`function: ErrorClass`), anything longer is cut. */
const MAX_EXCEPTION_MESSAGE_LENGTH = 200;

export class ApplicationInsightsTelemetry implements Telemetry {
  constructor(private readonly client: ApplicationInsightsClient) {}

  metric(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    if (!Number.isFinite(value)) return;
    if (this.accepts('metric', name, dimensions)) this.client.trackMetric({ name, value, properties: { ...dimensions } });
  }

  event(name: TelemetryEventName, dimensions: Dimensions = {}): void {
    if (this.accepts('event', name, dimensions)) this.client.trackEvent({ name, properties: { ...dimensions } });
  }

  exception(error: Error, dimensions: Dimensions = {}): void {
    if (!this.accepts('exception', 'exception', dimensions)) return;
    // A fresh Error of our own: only the class name and our message travel, never a cause's text or properties.
    const sent = new Error(error.message.slice(0, MAX_EXCEPTION_MESSAGE_LENGTH));
    sent.name = error.name;
    sent.stack = error.stack?.split('\n').slice(1).join('\n');
    this.client.trackException({ exception: sent, properties: { ...dimensions } });
  }

  /** Sends what the exporter has batched; call before a test asserts or a short-lived process exits. */
  flush(): Promise<void> {
    return this.client.flush();
  }

  private accepts(kind: TelemetryKind, name: string, dimensions: Dimensions): boolean {
    const problem = catalogProblem(kind, name, dimensions);
    if (!problem) return true;
    this.client.trackMetric({ name: 'telemetry.refused_total', value: 1, properties: { reason: problem.reason } });
    return false;
  }
}

export interface ApplicationInsightsSetup {
  connectionString: string;
  /** Entra ID for ingestion (the Bicep turns local auth off on the component); none = instrumentation key. */
  credential?: TokenCredential;
  /** Passed to the Azure Monitor exporter as is; tests give TLS trust for a collector on 127.0.0.1. */
  exporterOptions?: Record<string, unknown>;
}

let started: ApplicationInsightsTelemetry | undefined;

/**
 * Sets the SDK up once per process (its providers are global). Requests and dependencies (HTTP and the
 * Azure SDKs) are tracked; console, unhandled exceptions and performance counters are not, because
 * their text can quote customer content and the Functions host already reports process counters.
 */
export function startApplicationInsights(setup: ApplicationInsightsSetup): ApplicationInsightsTelemetry {
  if (started) return started;
  // Loaded only when enabled: the SDK and its OpenTelemetry graph took 2-3 s to load on the 2-core dev machine.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const appInsights = require('applicationinsights') as typeof ApplicationInsightsSdk;
  appInsights
    .setup(setup.connectionString)
    .setAutoCollectRequests(true)
    .setAutoCollectDependencies(true)
    .setAutoCollectIncomingRequestAzureFunctions(true)
    .setAutoCollectExceptions(false)
    .setAutoCollectConsole(false, false)
    .setAutoCollectPerformance(false, false)
    .setAutoCollectPreAggregatedMetrics(false)
    .setSendLiveMetrics(false)
    .setInternalLogging(false, true);
  const options: AzureMonitorOpenTelemetryOptions = {
    // Replaces the shim's exporter options wholesale, so the connection string is repeated here.
    azureMonitorExporterOptions: {
      connectionString: setup.connectionString,
      credential: setup.credential,
      ...setup.exporterOptions,
    },
  };
  appInsights.Configuration.setAzureMonitorOptions(options);
  appInsights.start();
  const client = appInsights.defaultClient;
  if (!client) throw new Error('Application Insights did not start');
  started = new ApplicationInsightsTelemetry(client);
  return started;
}

/** The adapter to use for these settings, or undefined when Application Insights is off. */
export function applicationInsightsFromSettings(
  settings: { APPLICATIONINSIGHTS_CONNECTION_STRING?: string; TELEMETRY_DISABLED: boolean },
  credential: TokenCredential | undefined,
): ApplicationInsightsTelemetry | undefined {
  if (settings.TELEMETRY_DISABLED || !settings.APPLICATIONINSIGHTS_CONNECTION_STRING) return undefined;
  return startApplicationInsights({ connectionString: settings.APPLICATIONINSIGHTS_CONNECTION_STRING, credential });
}
