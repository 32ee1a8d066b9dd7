// Settings at cold start: a missing or invalid setting fails fast naming it (never quoting a value), the
// sample lists every setting with placeholders only, host.json keeps to what the app needs, and
// Application Insights stays off (not even loaded) without a connection string.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applicationInsightsFromSettings } from '../../shared/adapters/telemetry/application-insights-telemetry';
import { parseSettings, settingsSchema, SettingsError } from '../../shared/config/settings';
import { getDependencies } from '../../shared/runtime/composition';
import { azureSampleSettings, readSample, settingsRequiredInAzure } from '../support/settings-sample';

const PLATFORM_SETTING = /^(FUNCTIONS_WORKER_RUNTIME|AzureWebJobsStorage__\w+|SERVICEBUS__\w+|AZURE_CLIENT_ID)$/;

function settingsErrorOf(run: () => unknown): SettingsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('settings fail fast at cold start', () => {
  const savedEnvironment = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnvironment)) delete process.env[key];
    Object.assign(process.env, savedEnvironment);
    vi.restoreAllMocks();
  });

  it.each(settingsRequiredInAzure())('names %s when it is missing, in the error and in its list', (name) => {
    const error = settingsErrorOf(() => parseSettings({ ...azureSampleSettings(), [name]: undefined }));
    expect(error.message).toContain(name);
    expect(error.missingOrInvalid.some((issue) => issue.startsWith(`${name}:`))).toBe(true);
  });

  it('treats an empty app setting as missing', () => {
    const error = settingsErrorOf(() => parseSettings({ ...azureSampleSettings(), COSMOS_ENDPOINT: '' }));
    expect(error.missingOrInvalid.some((issue) => issue.startsWith('COSMOS_ENDPOINT:'))).toBe(true);
  });

  it('never quotes a value: an invalid secret or URL is named, not shown', () => {
    const shortSecret = 'too-short-secret-value-9f3a';
    const badUrl = 'not a url, contains token-7c1e';
    const error = settingsErrorOf(() =>
      parseSettings({ ...azureSampleSettings(), INGEST_KEY_SECRET: shortSecret, AUTH_JWKS_URL: badUrl, RATE_LIMIT_SESSION_CREATES_PER_HOUR: 'lots-8d2b' }),
    );
    expect(error.message).toContain('INGEST_KEY_SECRET');
    expect(error.message).toContain('AUTH_JWKS_URL');
    expect(error.message).toContain('RATE_LIMIT_SESSION_CREATES_PER_HOUR');
    for (const value of [shortSecret, badUrl, 'lots-8d2b', '9f3a', '7c1e']) expect(error.message).not.toContain(value);
  });

  it('stops the cold start through getDependencies, logging the missing name and nothing else', async () => {
    const secret = 'a-real-looking-ingest-secret-with-enough-length-41b7';
    for (const [key, value] of Object.entries(azureSampleSettings())) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    process.env.INGEST_KEY_SECRET = secret;
    delete process.env.COSMOS_ENDPOINT;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const failure = await getDependencies().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SettingsError);
    expect((failure as SettingsError).message).toContain('COSMOS_ENDPOINT');
    await vi.waitFor(() => expect(logged).toHaveBeenCalled());
    const lines = logged.mock.calls.map((call) => call.join(' ')).join('\n');
    expect(lines).toContain('COSMOS_ENDPOINT');
    expect(lines).not.toContain(secret);
    // Not cached: the next invocation tries again and succeeds once the setting is there.
    await expect(getDependencies()).rejects.toBeInstanceOf(SettingsError);
  });
});

describe('local.settings.sample.json', () => {
  const sample = readSample();
  const schemaKeys = Object.keys(settingsSchema.shape);

  it('lists every setting of the schema, and only settings the app or the host reads', () => {
    const keys = Object.keys(sample.Values);
    expect(
      schemaKeys.filter((name) => !keys.includes(name)),
      'add each to local.settings.sample.json with a placeholder (empty for a secret)',
    ).toEqual([]);
    expect(keys.filter((name) => !schemaKeys.includes(name) && !PLATFORM_SETTING.test(name))).toEqual([]);
    expect(sample.IsEncrypted).toBe(false);
  });

  it('holds placeholders only: strings, no comments, no usable secrets or keys', () => {
    // Strict JSON (JSON.parse above), so no // comments; and no comment-like keys either.
    expect(Object.keys(sample.Values).filter((key) => !/^[A-Za-z][\w]*$/.test(key))).toEqual([]);
    for (const [key, value] of Object.entries(sample.Values)) {
      expect(typeof value, key).toBe('string');
      if (/(SECRET|TOKEN|_KEY|WEBHOOK_URL)$/.test(key)) expect(value === '' || value.startsWith('placeholder'), key).toBe(true);
    }
    expect(sample.Values.APPLICATIONINSIGHTS_CONNECTION_STRING).toContain('00000000-0000-0000-0000-000000000000');
  });

  it('parses in azure mode as it stands', () => {
    const settings = parseSettings(azureSampleSettings());
    expect(settings.DIAGNOSTICS_MODE).toBe('azure');
  });
});

describe('host.json', () => {
  const host = JSON.parse(readFileSync(path.join(__dirname, '../../host.json'), 'utf8'));

  it('uses the v4 extension bundle, a bounded timeout, and Service Bus retries with bounded concurrency', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
    expect(host.functionTimeout).toMatch(/^00:(0\d|10):00$/);
    // The API's `api/` is added per route by the registry, so the dashboard can answer at the root.
    expect(host.extensions.http.routePrefix).toBe('');
    const bus = host.extensions.serviceBus;
    expect(bus.maxConcurrentCalls).toBeGreaterThan(0);
    expect(bus.maxConcurrentCalls).toBeLessThanOrEqual(32);
    expect(bus.maxAutoLockRenewalDuration).toBe(host.functionTimeout);
    expect(bus.clientRetryOptions.mode).toBe('exponential');
  });

  it('samples telemetry (requests included, exceptions kept) and logs warnings by default', () => {
    const insights = host.logging.applicationInsights;
    expect(insights.samplingSettings.isEnabled).toBe(true);
    expect(insights.samplingSettings.excludedTypes).not.toContain('Request');
    expect(insights.samplingSettings.excludedTypes).toContain('Exception');
    expect(host.logging.logLevel.default).toBe('Warning');
    expect(host.logging.logLevel['Host.Results']).toBe('Information');
  });
});

describe('Application Insights switch', () => {
  it('stays off without a connection string or with TELEMETRY_DISABLED, without loading the SDK', () => {
    expect(applicationInsightsFromSettings({ TELEMETRY_DISABLED: false }, undefined)).toBeUndefined();
    expect(
      applicationInsightsFromSettings(
        { TELEMETRY_DISABLED: true, APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000' },
        undefined,
      ),
    ).toBeUndefined();
    expect(Object.keys(require.cache).some((file) => file.includes(`${path.sep}node_modules${path.sep}applicationinsights${path.sep}`))).toBe(false);
  });
});

describe('azure mode refuses the secrets committed for local development', () => {
  it.each([
    ['INGEST_KEY_SECRET', 'local-dev-ingest-secret-not-for-production-use'],
    ['AUTH_LOCAL_SECRET', 'local-dev-signing-secret-not-for-production-use'],
    ['INGEST_KEY_SECRET', 'short-but-present'],
  ])('%s = %s', (name, value) => {
    const failure = (() => {
      try {
        parseSettings({ ...azureSampleSettings(), [name]: value });
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(SettingsError);
    expect((failure as SettingsError).message).toContain(name);
    expect((failure as SettingsError).message).not.toContain(value);
  });
});
