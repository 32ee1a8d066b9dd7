// The few API calls a benchmark makes to set up its scene (sessions, device tokens), through HTTP like a client.
import { randomUUID } from 'node:crypto';
import { DEMO_PRODUCT_ID, LOCAL_AUTH, LOCAL_DEV_SECRETS, withDevSensitive } from '../../local-host/local-settings';
import { signLocalToken } from '../../shared/adapters/identity/jose-token-verifier';
import { productIngestKey } from '../../shared/domain/devices/credentials';

export const BENCH_PRODUCT_ID = DEMO_PRODUCT_ID;
/** The empty function's route (bench/servers/empty-function.ts): the config poll's shape, `api/diagnostics/<literal>`. */
export const EMPTY_FUNCTION_ROUTE = 'diagnostics/config-empty';
export const productKey = productIngestKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, BENCH_PRODUCT_ID);

export function adminToken(subject = `bench-admin-${randomUUID().slice(0, 8)}`): Promise<string> {
  return signLocalToken(
    {
      issuer: LOCAL_AUTH.AUTH_ISSUER,
      audience: LOCAL_AUTH.AUTH_AUDIENCE,
      rolesClaim: 'roles',
      productsClaim: 'products',
      localSecret: LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET,
    },
    { subject, roles: withDevSensitive(['admin']), products: [BENCH_PRODUCT_ID], expiresInSeconds: 3600 },
  );
}

async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${await response.text()}`);
  return response;
}

export interface CreatedSession {
  id: string;
}

/** A session targeting an anonymous id: every device that polls with it gets its own device-bound ingest token. */
export async function createSession(baseUrl: string, token: string, body: Record<string, unknown>): Promise<CreatedSession> {
  const response = await fetch(`${baseUrl}/api/diagnostics/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ productId: BENCH_PRODUCT_ID, maxDurationMinutes: 120, ...body }),
  });
  return (await (await expectStatus(response, 201, 'create session')).json()) as CreatedSession;
}

export interface PolledConfig {
  etag: string;
  body: string;
  config: { active: boolean; session?: { id: string; ingestToken: string } };
}

export async function pollConfig(baseUrl: string, query: Record<string, string>): Promise<PolledConfig> {
  const response = await fetch(`${baseUrl}/api/diagnostics/config?${new URLSearchParams(query)}`, { headers: { 'x-diagnostics-key': productKey } });
  const body = await (await expectStatus(response, 200, 'config poll')).text();
  return { etag: response.headers.get('etag') ?? '', body, config: JSON.parse(body) as PolledConfig['config'] };
}
