// Screenshot upload through the server's SAS flow: declare it (format, size, dimensions) with the ingest token,
// PUT the bytes straight to Blob storage with the short-lived create-only link, then confirm so the server
// checks the real bytes against the declaration.
import { deviceHeaders, type SessionTarget } from './transport.js';
import type { FetchFunction } from './runtime.js';

export type ScreenshotFormat = 'png' | 'jpeg' | 'webp';
export type ScreenshotTrigger = 'manual' | 'error' | 'breadcrumb';

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
  status: string;
}

interface UploadInstructions {
  screenshot?: { id?: string };
  upload?: { method?: string; url?: string; headers?: Record<string, string> };
}

function byteLength(data: Screenshot['data']): number {
  return typeof Blob !== 'undefined' && data instanceof Blob ? data.size : (data as ArrayBuffer | Uint8Array).byteLength;
}

export async function uploadScreenshot(
  request: {
    fetch: FetchFunction;
    baseUrl: string;
    productKey: string;
    target: SessionTarget;
    capturedAt: string;
    trigger: ScreenshotTrigger;
    relatedItemId?: string;
  },
  shot: Screenshot,
): Promise<ScreenshotUploadResult> {
  const { fetch, baseUrl, productKey, target } = request;
  const sessionPath = `${baseUrl}/api/diagnostics/sessions/${encodeURIComponent(target.sessionId)}/screenshots`;
  const declared = await fetch(sessionPath, {
    method: 'POST',
    headers: deviceHeaders(productKey, target.ingestToken),
    body: JSON.stringify({
      format: shot.format,
      sizeBytes: byteLength(shot.data),
      width: Math.round(shot.width),
      height: Math.round(shot.height),
      capturedAt: request.capturedAt,
      trigger: request.trigger,
      ...(request.relatedItemId ? { relatedItemId: request.relatedItemId } : {}),
    }),
  });
  if (!declared.ok) {
    await declared.body?.cancel().catch(() => undefined);
    throw new Error(`screenshot request answered ${declared.status}`);
  }
  const instructions = (await declared.json()) as UploadInstructions;
  const id = instructions.screenshot?.id;
  const upload = instructions.upload;
  if (!id || !upload?.url) throw new Error('screenshot request answered without an id and upload link');
  const body = shot.data instanceof ArrayBuffer ? new Uint8Array(shot.data) : shot.data;
  const uploaded = await fetch(upload.url, { method: upload.method ?? 'PUT', headers: upload.headers ?? {}, body: body as BodyInit });
  await uploaded.body?.cancel().catch(() => undefined);
  if (!uploaded.ok) throw new Error(`screenshot upload answered ${uploaded.status}`);
  const confirmHeaders = deviceHeaders(productKey, target.ingestToken);
  delete confirmHeaders['content-type'];
  const confirmed = await fetch(`${sessionPath}/${encodeURIComponent(id)}/confirm`, { method: 'POST', headers: confirmHeaders });
  if (!confirmed.ok) {
    await confirmed.body?.cancel().catch(() => undefined);
    throw new Error(`screenshot confirm answered ${confirmed.status}`);
  }
  const view = (await confirmed.json().catch(() => ({}))) as { status?: string; screenshot?: { status?: string } };
  const status = view.status ?? view.screenshot?.status ?? 'confirmed';
  if (status === 'rejected') throw new Error(`screenshot ${id} was rejected by the server`);
  return { screenshotId: id, status };
}
