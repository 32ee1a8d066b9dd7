// Starts Application Insights before anything else of the app is loaded, on the real Functions host only.
// Its OpenTelemetry instrumentations hook modules as they are loaded: started after the Azure SDKs and `http` were
// loaded (as the lazily built composition would), applicationinsights 3.15 (the last release for Node 20) records
// no request and no dependency. The composition later gets this same instance (startApplicationInsights is once
// per process). The local host and tests pass their telemetry through the composition's overrides instead.
import { DefaultAzureCredential } from '@azure/identity';
import { applicationInsightsFromSettings } from '../adapters/telemetry/application-insights-telemetry';
import { parseSettings } from '../config/settings';

const environment = process.env;
const onFunctionsHost = environment.FUNCTIONS_WORKER_RUNTIME !== undefined;
if (onFunctionsHost && environment.APPLICATIONINSIGHTS_CONNECTION_STRING) {
  const settings = parseSettings(environment);
  const credential = settings.DIAGNOSTICS_MODE === 'local' ? undefined : new DefaultAzureCredential({ managedIdentityClientId: environment.AZURE_CLIENT_ID });
  applicationInsightsFromSettings(settings, credential);
}
