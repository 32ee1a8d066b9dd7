// Screenshots of a debug session: the upload request, the stored metadata (`DebugScreenshotDoc`) and the
// pure check of an uploaded blob against what the device declared.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { imageFormats, sniffImage, type ImageFormat } from './image-signature';

export const MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024;
export const MAX_SCREENSHOT_DIMENSION = 8192;
export const SCREENSHOTS_PER_DEVICE_PER_MINUTE = 10;

export const contentTypeOf: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export const screenshotIdSchema = z.string().regex(/^sc_[0-9a-f-]{36}$/, 'a screenshot id looks like sc_<uuid>');

export const createScreenshotRequestSchema = z
  .object({
    format: z.enum(imageFormats),
    sizeBytes: z.number().int().min(1).max(MAX_SCREENSHOT_BYTES, `at most ${MAX_SCREENSHOT_BYTES} bytes`),
    width: z.number().int().min(1).max(MAX_SCREENSHOT_DIMENSION),
    height: z.number().int().min(1).max(MAX_SCREENSHOT_DIMENSION),
    /** When the device took it (its clock). */
    capturedAt: z.iso.datetime({ offset: true }),
    trigger: z.enum(['manual', 'error', 'breadcrumb']).default('manual'),
    /** The log item the screenshot belongs to, e.g. the error that triggered it. */
    relatedItemId: z
      .string()
      .max(64)
      .regex(/^[\w.:-]+$/)
      .optional(),
  })
  .strict();
export type CreateScreenshotRequest = z.infer<typeof createScreenshotRequestSchema>;

export const screenshotStatuses = ['pending', 'confirmed', 'rejected'] as const;

export const rejectionReasons = [
  'missing',
  'not_an_image',
  'format_mismatch',
  'size_mismatch',
  'too_large',
  'dimension_mismatch',
  'wrong_content_type',
  'session_not_collecting',
  'not_confirmed',
] as const;
export type RejectionReason = (typeof rejectionReasons)[number];

export const SCREENSHOT_SCHEMA_VERSION = 1;

/** `DebugScreenshotDoc` in `debug_screenshots` (pk `/sessionId`). */
export const screenshotDocSchema = z.object({
  id: screenshotIdSchema,
  schemaVersion: z.literal(SCREENSHOT_SCHEMA_VERSION),
  sessionId: z.string(),
  productId: z.string(),
  /** The device binding of the ingest token that asked for the upload, e.g. `device:abc`. */
  device: z.string(),
  format: z.enum(imageFormats),
  contentType: z.string(),
  declaredSizeBytes: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  capturedAt: z.string(),
  trigger: z.enum(['manual', 'error', 'breadcrumb']),
  relatedItemId: z.string().optional(),
  blobName: z.string(),
  status: z.enum(screenshotStatuses),
  rejectionReason: z.enum(rejectionReasons).optional(),
  sizeBytes: z.number().int().optional(),
  createdAt: z.string(),
  uploadExpiresAt: z.string(),
  confirmedAt: z.string().optional(),
});
export type ScreenshotDoc = z.infer<typeof screenshotDocSchema>;

/** The blob's name inside the `screenshots` container, so its path reads screenshots/{product}/{session}/{id}.{format}. */
export function screenshotBlobName(productId: string, sessionId: string, screenshotId: string, format: ImageFormat): string {
  return `${productId}/${sessionId}/${screenshotId}.${format}`;
}

export function newScreenshot(
  request: CreateScreenshotRequest,
  owner: { productId: string; sessionId: string; device: string },
  now: Date,
  uploadValidForInMs: number,
): ScreenshotDoc {
  const id = `sc_${randomUUID()}`;
  return {
    id,
    schemaVersion: SCREENSHOT_SCHEMA_VERSION,
    sessionId: owner.sessionId,
    productId: owner.productId,
    device: owner.device,
    format: request.format,
    contentType: contentTypeOf[request.format],
    declaredSizeBytes: request.sizeBytes,
    width: request.width,
    height: request.height,
    capturedAt: request.capturedAt,
    trigger: request.trigger,
    relatedItemId: request.relatedItemId,
    blobName: screenshotBlobName(owner.productId, owner.sessionId, id, request.format),
    status: 'pending',
    createdAt: now.toISOString(),
    uploadExpiresAt: new Date(now.getTime() + uploadValidForInMs).toISOString(),
  };
}

export interface UploadedBlob {
  sizeBytes: number;
  contentType: string | undefined;
  head: Buffer;
}

/** Checks what was really uploaded against the declaration; the first failed check names the reason. */
export function checkUpload(doc: ScreenshotDoc, blob: UploadedBlob | undefined): { ok: true } | { ok: false; reason: RejectionReason } {
  if (!blob) return { ok: false, reason: 'missing' };
  if (blob.sizeBytes > MAX_SCREENSHOT_BYTES) return { ok: false, reason: 'too_large' };
  if (blob.sizeBytes !== doc.declaredSizeBytes) return { ok: false, reason: 'size_mismatch' };
  const signature = sniffImage(blob.head);
  if (!signature) return { ok: false, reason: 'not_an_image' };
  if (signature.format !== doc.format) return { ok: false, reason: 'format_mismatch' };
  // The SAS cannot pin the upload's content type, so it is checked here: a blob claiming text/html is refused.
  if ((blob.contentType ?? '').split(';')[0]!.trim().toLowerCase() !== doc.contentType) return { ok: false, reason: 'wrong_content_type' };
  if (signature.width === undefined || signature.height === undefined) return { ok: false, reason: 'dimension_mismatch' };
  if (signature.width !== doc.width || signature.height !== doc.height) return { ok: false, reason: 'dimension_mismatch' };
  return { ok: true };
}

/** What callers see: metadata, plus a read link for engineers and admins only. */
export function screenshotView(doc: ScreenshotDoc, readLink?: { url: string; expiresOn: Date }) {
  return {
    id: doc.id,
    sessionId: doc.sessionId,
    format: doc.format,
    contentType: doc.contentType,
    width: doc.width,
    height: doc.height,
    sizeBytes: doc.sizeBytes ?? doc.declaredSizeBytes,
    capturedAt: doc.capturedAt,
    trigger: doc.trigger,
    relatedItemId: doc.relatedItemId,
    status: doc.status,
    rejectionReason: doc.rejectionReason,
    confirmedAt: doc.confirmedAt,
    ...(readLink ? { readUrl: readLink.url, readUrlExpiresAt: readLink.expiresOn.toISOString() } : {}),
  };
}
export type ScreenshotView = ReturnType<typeof screenshotView>;
