// `npm start` keeps its state across a restart: the local stack on a temporary DATA_DIR takes a session, an
// ingested batch and a screenshot, stops, starts again on the same DATA_DIR, and serves them back, the link
// Azurite signed before the restart included. A torn snapshot write is ignored; `--fresh` starts empty.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local-host/backends';
import { DEMO_PRODUCT_ID, LOCAL_DEV_SECRETS, withDevSensitive } from '../../local-host/local-settings';
import { startLocalStack, type LocalStack } from '../../local-host/stack';
import { signLocalToken } from '../../shared/adapters/identity/jose-token-verifier';
import { productIngestKey } from '../../shared/domain/devices/credentials';
import { pngImage } from '../support/images';

let dataDirectory: string;
let azuritePort: number;
let stack: LocalStack | undefined;

beforeAll(async () => {
  dataDirectory = await mkdtemp(path.join(tmpdir(), 'diagnostics-restart-'));
  azuritePort = await freePort();
});
afterAll(async () => {
  await stack?.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function start(fresh = false): Promise<LocalStack> {
  stack = await startLocalStack({
    dataDirectory,
    port: 0,
    azuritePort,
    fresh,
    runTimers: false,
    environment: { CONFIG_INDEX_REFRESH_MS: '0' },
    log: () => undefined,
  });
  return stack;
}

async function stop(): Promise<void> {
  await stack?.close();
  stack = undefined;
}

async function adminToken(running: LocalStack): Promise<string> {
  const settings = running.host.deps.settings;
  return signLocalToken(
    {
      issuer: settings.AUTH_ISSUER,
      audience: settings.AUTH_AUDIENCE,
      rolesClaim: settings.AUTH_ROLES_CLAIM,
      productsClaim: settings.AUTH_PRODUCTS_CLAIM,
      localSecret: settings.AUTH_LOCAL_SECRET,
    },
    { subject: 'restart-admin', roles: withDevSensitive(['admin']), products: [DEMO_PRODUCT_ID] },
  );
}

function call(running: LocalStack, method: string, route: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return fetch(`${running.host.url}${route}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('local state across a restart', () => {
  it('serves the session, its items and its screenshot link after a restart on the same DATA_DIR', async () => {
    let running = await start(true);
    let admin = { authorization: `Bearer ${await adminToken(running)}` };
    const productKey = productIngestKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, DEMO_PRODUCT_ID);
    const created = await call(running, 'POST', '/api/diagnostics/sessions', admin, {
      productId: DEMO_PRODUCT_ID,
      targetDeviceId: 'restart-device',
      userConsent: 'pre_consent',
      capture: { screenshots: true },
    });
    expect(created.status).toBe(201);
    const sessionId = ((await created.json()) as { id: string }).id;
    const config = (await (await call(running, 'GET', '/api/diagnostics/config?deviceId=restart-device', { 'x-diagnostics-key': productKey })).json()) as {
      session: { ingestToken: string };
    };
    const device = { 'x-diagnostics-key': productKey, authorization: `Bearer ${config.session.ingestToken}` };
    const items = [1, 2, 3].map((n) => ({
      kind: 'log',
      id: `log-${n}`,
      timestamp: new Date(Date.now() + n).toISOString(),
      level: 'warn',
      message: `before restart ${n}`,
    }));
    const ingested = await call(running, 'POST', '/api/diagnostics/ingest', device, { sessionId, device: { platform: 'web', appVersion: '1.0.0' }, items });
    expect(ingested.status).toBeLessThan(300);
    const image = pngImage(32, 16);
    const declared = (await (
      await call(running, 'POST', `/api/diagnostics/sessions/${sessionId}/screenshots`, device, {
        format: 'png',
        sizeBytes: image.length,
        width: 32,
        height: 16,
        capturedAt: new Date().toISOString(),
      })
    ).json()) as { screenshot: { id: string }; upload: { url: string } };
    expect(
      (
        await fetch(declared.upload.url, {
          method: 'PUT',
          body: new Uint8Array(image),
          headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'image/png' },
        })
      ).status,
    ).toBe(201);
    expect((await call(running, 'POST', `/api/diagnostics/sessions/${sessionId}/screenshots/${declared.screenshot.id}/confirm`, device)).status).toBe(200);
    const listed = (await (await call(running, 'GET', `/api/diagnostics/sessions/${sessionId}/screenshots`, admin)).json()) as {
      items: Array<{ readUrl: string }>;
    };
    const readUrl = listed.items[0]!.readUrl;
    await stop();

    // A torn write (the temporary file a crash mid-snapshot leaves) is ignored: the last whole snapshot loads.
    await writeFile(path.join(dataDirectory, 'cosmos', `snapshot.json.tmp-99999`), '{"version":1,"databa');
    running = await start();
    expect(running.cosmos.restored?.documents).toBeGreaterThan(0);
    expect((await readdir(path.join(dataDirectory, 'cosmos'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
    admin = { authorization: `Bearer ${await adminToken(running)}` };
    const session = await call(running, 'GET', `/api/diagnostics/sessions/${sessionId}`, admin);
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ id: sessionId, targetDeviceId: 'restart-device', stats: { screenshotCount: 1 } });
    const logs = (await (await call(running, 'GET', `/api/diagnostics/sessions/${sessionId}/logs`, admin)).json()) as { items: Array<{ message: string }> };
    expect(logs.items.map((item) => item.message).sort()).toEqual(['before restart 1', 'before restart 2', 'before restart 3']);
    // The read link signed before the restart still reaches the blob: Azurite is on the same port with the same data.
    const blob = await fetch(readUrl);
    expect(blob.status).toBe(200);
    expect(Buffer.from(await blob.arrayBuffer()).equals(image)).toBe(true);
    // The device's token still works: the session is live and ingest continues where it stopped.
    const more = await call(running, 'POST', '/api/diagnostics/ingest', device, {
      sessionId,
      device: { platform: 'web', appVersion: '1.0.0' },
      items: [{ kind: 'log', id: 'log-4', timestamp: new Date().toISOString(), level: 'info', message: 'after restart' }],
    });
    expect(more.status).toBeLessThan(300);
    await stop();

    // --fresh starts empty.
    running = await start(true);
    expect(running.cosmos.restored).toBeUndefined();
    const gone = await call(running, 'GET', `/api/diagnostics/sessions/${sessionId}`, { authorization: `Bearer ${await adminToken(running)}` });
    expect(gone.status).toBe(404);
  }, 120_000);
});
