// Screenshot upload through the server's SAS flow: announce (format, size, dimensions) with the ingest token,
// PUT the bytes straight to Blob storage with the short-lived write-only URL, then confirm.
import { INGEST_TOKEN_HEADER, type SessionTarget } from './transport.js';
import type { FetchFunction } from './runtime.js';

export type ScreenshotFormat = 'png' | 'jpeg' | 'webp';

/** What the app's capture function returns: the image bytes and what they are. */
export interface Screenshot {
  data: Uint8Array | ArrayBuffer | Blob;
  format: ScreenshotFormat;
  width: number;
  height: number;
}

export type ScreenshotCapturer = () => Screenshot | undefined | Promise<Screenshot | undefined>;

export interface ScreenshotUploadResult {
  screenshotId: string;
}

const contentTypes: Record<ScreenshotFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

function byteLength(data: Screenshot['data']): number {
  return data instanceof Blob ? data.size : data.byteLength;
}

export async function uploadScreenshot(
  request: { fetch: FetchFunction; baseUrl: string; productKey: string; target: SessionTarget; capturedAt: string; trigger: string },
  shot: Screenshot,
): Promise<ScreenshotUploadResult> {
  const { fetch, baseUrl, productKey, target } = request;
  const headers = { 'content-type': 'application/json', 'x-diagnostics-key': productKey, [INGEST_TOKEN_HEADER]: target.ingestToken };
  const sessionPath = `${baseUrl}/api/diagnostics/sessions/${encodeURIComponent(target.sessionId)}/screenshots`;
  const announced = await fetch(sessionPath, {
    method: 'POST',
    headers,
    body: JSON.stringify({ format: shot.format, sizeBytes: byteLength(shot.data), width: shot.width, height: shot.height, capturedAt: request.capturedAt, trigger: request.trigger }),
  });
  if (!announced.ok) throw new Error(`screenshot announce answered ${announced.status}`);
  const { id, uploadUrl } = (await announced.json()) as { id?: string; uploadUrl?: string };
  if (!id || !uploadUrl) throw new Error('screenshot announce answered without an id and upload URL');
  const body = shot.data instanceof Uint8Array ? shot.data : shot.data instanceof ArrayBuffer ? new Uint8Array(shot.data) : shot.data;
  const uploaded = await fetch(uploadUrl, {
    method: 'PUT',
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': contentTypes[shot.format] },
    body: body as BodyInit,
  });
  await uploaded.body?.cancel().catch(() => undefined);
  if (!uploaded.ok) throw new Error(`screenshot upload answered ${uploaded.status}`);
  const confirmed = await fetch(`${sessionPath}/${encodeURIComponent(id)}/confirm`, { method: 'POST', headers, body: '{}' });
  await confirmed.body?.cancel().catch(() => undefined);
  if (!confirmed.ok) throw new Error(`screenshot confirm answered ${confirmed.status}`);
  return { screenshotId: id };
}
