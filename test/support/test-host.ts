// Starts the local host for one test file: real SDKs against the shared embedded backends,
// a database of its own, a controllable clock, in-memory telemetry, and helpers to call it over HTTP.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { startLocalHost, type LocalHost } from '../../local-host/host';
import { DEMO_PRODUCT_ID, LOCAL_DEV_SECRETS, localEnvironment } from '../../local-host/local-settings';
import { signLocalToken } from '../../shared/adapters/identity/jose-token-verifier';
import { InMemoryTelemetry } from '../../shared/adapters/memory/in-memory-telemetry';
import { productIngestKey } from '../../shared/domain/devices/credentials';
import type { Clock } from '../../shared/ports/clock';
import type { DependencyOverrides } from '../../shared/runtime/composition';
import { withDevSensitive } from '../../local-host/local-settings';

/** A clock tests can move forward; starts at real time. */
export class ManualClock implements Clock {
  private offsetInMs = 0;
  private frozenAtInMs: number | undefined;
  now(): Date {
    return new Date((this.frozenAtInMs ?? Date.now()) + this.offsetInMs);
  }
  advance(milliseconds: number): void {
    this.offsetInMs += milliseconds;
  }
  /** Stops real time moving the clock, for assertions to the millisecond; only advance() moves it then. */
  freeze(): void {
    this.frozenAtInMs ??= Date.now();
  }
  /** Real time moves it again, from where it stands. */
  thaw(): void {
    if (this.frozenAtInMs === undefined) return;
    this.offsetInMs += this.frozenAtInMs - Date.now();
    this.frozenAtInMs = undefined;
  }
}

export interface TestHost extends LocalHost {
  clock: ManualClock;
  telemetry: InMemoryTelemetry;
  /**
   * Signs a token the host accepts. Like the dev token CLI, admin and engineer tokens carry Diagnostics.Sensitive
   * unless `sensitive: false` (the roles are then exactly those given).
   */
  token(claims?: { subject?: string; roles?: string[]; products?: string[]; expiresInSeconds?: number; sensitive?: boolean }): Promise<string>;
  productKey(productId?: string): string;
  /** fetch against the host: `call('POST', '/api/...', { body, headers })`. */
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; rawBody?: string | Uint8Array }): Promise<Response>;
}

/** Local-mode settings against the shared embedded backends, with a Cosmos database of this file's own. */
export function testEnvironment(settings: Record<string, string> = {}): Record<string, string | undefined> {
  return localEnvironment(
    {
      cosmosEndpoint: inject('cosmosEndpoint'),
      cosmosKey: COSMOS_EMULATOR_KEY,
      blobEndpoint: inject('blobEndpoint'),
      blobAccountName: AZURITE_ACCOUNT_NAME,
      blobAccountKey: AZURITE_ACCOUNT_KEY,
      publicBaseUrl: 'http://127.0.0.1:0',
    },
    { COSMOS_DATABASE: `test-${randomUUID().slice(0, 8)}`, CONFIG_INDEX_REFRESH_MS: '0', SIGNALS_GROUP_COMMIT_MS: '20', ...settings },
  );
}

export async function startTestHost(
  settings: Record<string, string> = {},
  overrides: Omit<DependencyOverrides, 'clock' | 'telemetry'> = {},
): Promise<TestHost> {
  const clock = new ManualClock();
  const telemetry = new InMemoryTelemetry({ strict: true });
  const environment = testEnvironment(settings);
  const host = await startLocalHost({ port: 0, environment, overrides: { ...overrides, clock, telemetry }, runTimers: false, log: () => undefined });
  const tokenSettings = {
    issuer: host.deps.settings.AUTH_ISSUER,
    audience: host.deps.settings.AUTH_AUDIENCE,
    rolesClaim: host.deps.settings.AUTH_ROLES_CLAIM,
    productsClaim: host.deps.settings.AUTH_PRODUCTS_CLAIM,
    localSecret: host.deps.settings.AUTH_LOCAL_SECRET,
  };
  return {
    ...host,
    clock,
    telemetry,
    token: (claims = {}) =>
      signLocalToken(tokenSettings, {
        subject: claims.subject ?? `admin-${randomUUID().slice(0, 8)}`,
        roles: withDevSensitive(claims.roles ?? ['admin'], claims.sensitive),
        products: claims.products ?? [DEMO_PRODUCT_ID],
        expiresInSeconds: claims.expiresInSeconds,
      }),
    productKey: (productId = DEMO_PRODUCT_ID) => productIngestKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, productId),
    call: (method, path, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      let body: string | Uint8Array | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${host.url}${path}`, {
        method,
        headers,
        body: typeof body === 'string' || body === undefined ? body : new Blob([body as Uint8Array<ArrayBuffer>]),
      });
    },
  };
}
