// Screenshots end to end on the local host: a real upload to Azurite through the SAS link (fetch and the
// Blob SDK), rejection of forged and oversized uploads, a link that cannot write elsewhere, read links by role.
import { BlockBlobClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { recordEvents } from '../support/event-recorder';
import { pngImage } from '../support/images';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
const recorder = recordEvents();

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

interface Instructions {
  screenshot: { id: string; status: string };
  upload: { url: string; method: string; headers: Record<string, string>; expiresAt: string };
}

async function declare(device: DeviceSession, image: Buffer, overrides: Record<string, unknown> = {}): Promise<Response> {
  return host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots`, {
    body: { format: 'png', sizeBytes: image.length, width: 32, height: 16, capturedAt: new Date().toISOString(), ...overrides },
    headers: device.deviceHeaders,
  });
}

async function confirm(device: DeviceSession, screenshotId: string): Promise<Response> {
  return host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots/${screenshotId}/confirm`, { headers: device.deviceHeaders });
}

async function putWithFetch(url: string, body: Buffer, contentType = 'image/png'): Promise<Response> {
  return fetch(url, { method: 'PUT', body: new Uint8Array(body), headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': contentType } });
}

async function sessionStats(sessionId: string) {
  const response = await host.call('GET', `/api/diagnostics/sessions/${sessionId}`, { headers: { authorization: `Bearer ${admin}` } });
  return ((await response.json()) as { stats: { screenshotCount: number } }).stats;
}

describe('screenshot upload through a SAS link', () => {
  it('uploads with fetch, confirms, counts once and announces', async () => {
    const device = await openDeviceSession(host, admin);
    const image = pngImage(32, 16);
    const declared = await declare(device, image);
    expect(declared.status).toBe(201);
    const instructions = (await declared.json()) as Instructions;
    expect(instructions.screenshot.status).toBe('pending');
    const link = new URL(instructions.upload.url);
    expect(link.pathname).toBe(`/devstoreaccount1/screenshots/demo/${device.sessionId}/${instructions.screenshot.id}.png`);
    expect(link.searchParams.get('sp')).toBe('c');
    expect(link.searchParams.get('sr')).toBe('b');
    const minutes = (Date.parse(instructions.upload.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(3);
    expect(minutes).toBeLessThanOrEqual(5);

    expect((await putWithFetch(instructions.upload.url, image)).status).toBe(201);
    // Create-only: the same link cannot overwrite what was uploaded, nor read it back.
    expect((await putWithFetch(instructions.upload.url, pngImage(32, 16))).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(instructions.upload.url)).status).toBe(403);

    const confirmed = await confirm(device, instructions.screenshot.id);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ status: 'confirmed', sizeBytes: image.length, width: 32, height: 16 });
    // A retried confirm answers the same and does not count again.
    expect(((await (await confirm(device, instructions.screenshot.id)).json()) as { status: string }).status).toBe('confirmed');
    expect((await sessionStats(device.sessionId)).screenshotCount).toBe(1);
    await host.deps.infra.localBus?.whenIdle();
    const captured = recorder.ofType('diagnostics.screenshot.captured').filter((event) => event.sessionId === device.sessionId);
    // A repeated confirm announces again under the same id; subscribers keep one per event id.
    expect(new Set(captured.map((event) => event.id)).size).toBe(1);
    expect(captured[0]!.payload).toMatchObject({ screenshotId: instructions.screenshot.id, format: 'png', sizeBytes: image.length });
  });

  it('uploads with the Blob SDK using only the SAS URL', async () => {
    const device = await openDeviceSession(host, admin);
    const image = pngImage(32, 16);
    const instructions = (await (await declare(device, image)).json()) as Instructions;
    const client = new BlockBlobClient(instructions.upload.url);
    await client.uploadData(image, { blobHTTPHeaders: { blobContentType: 'image/png' } });
    const confirmed = (await (await confirm(device, instructions.screenshot.id)).json()) as { status: string };
    expect(confirmed.status).toBe('confirmed');
  });

  it('a link cannot write another blob, in the same folder or anywhere else', async () => {
    const device = await openDeviceSession(host, admin);
    const image = pngImage(32, 16);
    const instructions = (await (await declare(device, image)).json()) as Instructions;
    const link = new URL(instructions.upload.url);
    for (const path of [
      link.pathname.replace(/sc_[^/]+\.png$/, 'other.png'),
      link.pathname.replace('/screenshots/', '/reports/'),
      `/devstoreaccount1/screenshots/demo/ds_00000000-0000-0000-0000-000000000000/x.png`,
    ]) {
      const forged = new URL(link);
      forged.pathname = path;
      expect((await putWithFetch(forged.toString(), image)).status).toBe(403);
    }
  });

  it.each([
    ['a forged (non-image) upload', Buffer.from('<html><script>alert(document.cookie)</script></html>'.padEnd(900)), 'image/png', 'not_an_image'],
    ['an upload larger than declared', Buffer.concat([pngImage(32, 16), Buffer.alloc(4096)]), 'image/png', 'size_mismatch'],
    ['an html content type', pngImage(32, 16), 'text/html', 'wrong_content_type'],
    ['other dimensions than declared', pngImage(33, 16), 'image/png', 'dimension_mismatch'],
  ])('rejects %s and deletes the blob', async (_name, bytes, contentType, reason) => {
    const device = await openDeviceSession(host, admin);
    const declaredSize = contentType === 'image/png' && reason === 'size_mismatch' ? pngImage(32, 16).length : bytes.length;
    const instructions = (await (await declare(device, bytes, { sizeBytes: declaredSize })).json()) as Instructions;
    expect((await putWithFetch(instructions.upload.url, bytes, contentType)).status).toBe(201);
    const answer = (await (await confirm(device, instructions.screenshot.id)).json()) as { status: string; rejectionReason: string };
    expect(answer).toMatchObject({ status: 'rejected', rejectionReason: reason });
    const blobName = new URL(instructions.upload.url).pathname.replace('/devstoreaccount1/screenshots/', '');
    expect(await host.deps.stores.blobs.getProperties('screenshots', blobName)).toBeUndefined();
    expect((await sessionStats(device.sessionId)).screenshotCount).toBe(0);
  });

  it('refuses a declaration over the size cap or of another format, naming the field', async () => {
    const device = await openDeviceSession(host, admin);
    const tooLarge = await declare(device, pngImage(2, 2), { sizeBytes: 9 * 1024 * 1024 });
    expect(tooLarge.status).toBe(400);
    expect(((await tooLarge.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('sizeBytes');
    const gif = await declare(device, pngImage(2, 2), { format: 'gif' });
    expect(gif.status).toBe(400);
    const huge = await declare(device, pngImage(2, 2), { width: 100_000 });
    expect(((await huge.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('width');
  });

  it('refuses a confirm before anything was uploaded', async () => {
    const device = await openDeviceSession(host, admin);
    const instructions = (await (await declare(device, pngImage(32, 16))).json()) as Instructions;
    expect((await confirm(device, instructions.screenshot.id)).status).toBe(409);
  });

  it('allows 10 declarations per minute per device, then 429 with Retry-After', async () => {
    const device = await openDeviceSession(host, admin);
    const statuses: number[] = [];
    for (let index = 0; index < 11; index++) statuses.push((await declare(device, pngImage(2, 2), { width: 2, height: 2 })).status);
    expect(statuses.slice(0, 10).every((status) => status === 201)).toBe(true);
    const limited = await declare(device, pngImage(2, 2));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('needs the product key and the ingest token of this very session', async () => {
    const device = await openDeviceSession(host, admin);
    const other = await openDeviceSession(host, admin);
    const image = pngImage(32, 16);
    const body = { format: 'png', sizeBytes: image.length, width: 32, height: 16, capturedAt: new Date().toISOString() };
    const path = `/api/diagnostics/sessions/${device.sessionId}/screenshots`;
    expect((await host.call('POST', path, { body, headers: { 'x-diagnostics-key': host.productKey() } })).status).toBe(401);
    expect((await host.call('POST', path, { body, headers: { authorization: `Bearer ${device.ingestToken}` } })).status).toBe(401);
    expect(
      (await host.call('POST', path, { body, headers: { ...device.deviceHeaders, authorization: `Bearer ${device.ingestToken.slice(0, -3)}AAA` } })).status,
    ).toBe(401);
    expect((await host.call('POST', path, { body, headers: other.deviceHeaders })).status).toBe(403);
    expect((await host.call('POST', path, { body, headers: { ...device.deviceHeaders, 'x-diagnostics-key': host.productKey('other') } })).status).toBe(403);
  });

  it('refuses screenshots when the session does not capture them', async () => {
    const device = await openDeviceSession(host, admin, { capture: { screenshots: false } });
    expect((await declare(device, pngImage(32, 16))).status).toBe(403);
  });
});

describe('GET /api/diagnostics/sessions/{id}/screenshots', () => {
  it('gives read links to engineers and admins of the product only', async () => {
    const targetUser = `user-${Date.now()}`;
    const user = await host.token({ roles: [], products: [], subject: targetUser });
    const device = await openDeviceSession(host, admin, { targetUserId: targetUser }, user);
    const image = pngImage(32, 16);
    const instructions = (await (await declare(device, image)).json()) as Instructions;
    await putWithFetch(instructions.upload.url, image);
    await confirm(device, instructions.screenshot.id);

    const path = `/api/diagnostics/sessions/${device.sessionId}/screenshots`;
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const listed = (await (await host.call('GET', path, { headers: { authorization: `Bearer ${engineer}` } })).json()) as {
      items: Array<{ id: string; readUrl?: string; readUrlExpiresAt?: string }>;
    };
    expect(listed.items).toHaveLength(1);
    const readUrl = listed.items[0]!.readUrl!;
    expect(new URL(readUrl).searchParams.get('sp')).toBe('r');
    const downloaded = await fetch(readUrl);
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(image)).toBe(true);
    // A read link cannot write.
    expect((await putWithFetch(readUrl, image)).status).toBe(403);

    // The user the session targets sees the metadata, but gets no link.
    const asUser = (await (await host.call('GET', path, { headers: { authorization: `Bearer ${user}` } })).json()) as { items: Array<{ readUrl?: string }> };
    expect(asUser.items).toHaveLength(1);
    expect(asUser.items[0]!.readUrl).toBeUndefined();

    const otherProduct = await host.token({ roles: ['engineer'], products: ['other'] });
    expect((await host.call('GET', path, { headers: { authorization: `Bearer ${otherProduct}` } })).status).toBe(404);
    expect((await host.call('GET', path, { headers: device.deviceHeaders })).status).toBe(401);
  });
});

describe('the session decides at confirm time, and unconfirmed uploads are swept', () => {
  it('an upload link obtained before a cancel uploads, but confirm rejects it, deletes the blob and counts nothing', async () => {
    const device = await openDeviceSession(host, admin);
    const image = pngImage(32, 16);
    const instructions = (await (await declare(device, image)).json()) as Instructions;
    expect((await host.call('DELETE', `/api/diagnostics/sessions/${device.sessionId}`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    expect((await putWithFetch(instructions.upload.url, image)).status).toBe(201);
    const confirmed = await confirm(device, instructions.screenshot.id);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ status: 'rejected', rejectionReason: 'session_not_collecting' });
    expect(await host.deps.stores.blobs.getProperties('screenshots', new URL(instructions.upload.url).pathname.split('/screenshots/')[1]!)).toBeUndefined();
    expect((await sessionStats(device.sessionId)).screenshotCount).toBe(0);
  });

  it('the sweep rejects pending uploads whose window closed, and deletes what was uploaded for them', async () => {
    const device = await openDeviceSession(host, admin);
    const image = pngImage(32, 16);
    const instructions = (await (await declare(device, image)).json()) as Instructions;
    // A 1,000-byte declaration used to store something else entirely, never confirmed.
    const stray = Buffer.from('<html>'.padEnd(9 * 1024, ' '));
    expect((await putWithFetch(instructions.upload.url, stray, 'text/html')).status).toBe(201);
    const blobName = new URL(instructions.upload.url).pathname.split('/screenshots/')[1]!;
    expect(await host.deps.stores.blobs.getProperties('screenshots', blobName)).toBeDefined();

    await host.runFunction('screenshots-sweep');
    expect((await host.deps.stores.screenshots.get(device.sessionId, instructions.screenshot.id))!.screenshot.status).toBe('pending');

    host.clock.advance(10 * 60_000);
    await host.runFunction('screenshots-sweep');
    const swept = (await host.deps.stores.screenshots.get(device.sessionId, instructions.screenshot.id))!.screenshot;
    expect(swept).toMatchObject({ status: 'rejected', rejectionReason: 'not_confirmed' });
    expect(await host.deps.stores.blobs.getProperties('screenshots', blobName)).toBeUndefined();
  });
});
