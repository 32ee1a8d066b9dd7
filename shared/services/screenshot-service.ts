// Screenshot use cases: a device asks for a create-only upload link, uploads straight to Blob storage, and
// confirms; the blob is then checked against what was declared. Engineers list them with short read links.
import { AppError } from '../errors';
import { isReaderOf, type Principal } from '../domain/access/principal';
import { FieldAccessView, type FieldPolicy } from '../domain/access/field-policy';
import type { AuditLog } from '../ports/audit-log';
import { readAuditRecord } from './audit-service';
import type { IngestTokenClaims } from '../domain/devices/credentials';
import { IMAGE_HEAD_BYTES } from '../domain/screenshots/image-signature';
import {
  checkUpload,
  MAX_SCREENSHOT_BYTES,
  newScreenshot,
  screenshotView,
  SCREENSHOTS_PER_DEVICE_PER_MINUTE,
  type CreateScreenshotRequest,
  type ScreenshotDoc,
  type ScreenshotView,
} from '../domain/screenshots/screenshot';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import { newEvent, stableEventId } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { RateLimiter } from '../ports/rate-limiter';
import type { ScreenshotStore } from '../ports/screenshot-store';
import type { Page, SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';
import { getSession } from './session-service';

export interface ScreenshotServiceDependencies {
  sessions: SessionStore;
  screenshots: ScreenshotStore;
  blobs: BlobStore;
  audit: AuditLog;
  fieldPolicy: FieldPolicy;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  links: { uploadValidForInMs: number; readValidForInMs: number };
}

export interface UploadInstructions {
  screenshot: ScreenshotView;
  upload: { method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string };
}

export async function requestScreenshotUpload(
  deps: ScreenshotServiceDependencies,
  device: IngestTokenClaims,
  request: CreateScreenshotRequest,
): Promise<UploadInstructions> {
  const decision = deps.rateLimiter.take(`screenshot:${device.pid}:${device.dev}`, { limit: SCREENSHOTS_PER_DEVICE_PER_MINUTE, windowInMs: 60_000 });
  if (!decision.allowed) {
    throw new AppError('rate_limited', `At most ${SCREENSHOTS_PER_DEVICE_PER_MINUTE} screenshots per minute per device`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
  const found = await deps.sessions.get(device.sid);
  if (!found || found.session.productId !== device.pid) throw new AppError('not_found', `Session ${device.sid} not found`);
  const session = found.session;
  if (session.status !== 'active') throw new AppError('conflict', `The session is ${session.status}; screenshots are taken only while it is active`);
  if (!session.capture.screenshots && !session.capture.screenshotOnError) throw new AppError('forbidden', 'Screenshots are not switched on for this session');
  if (session.consent.required && session.consent.status !== 'granted') throw new AppError('forbidden', 'The user has not consented to this session');

  const now = deps.clock.now();
  const doc = newScreenshot(request, { productId: session.productId, sessionId: session.id, device: device.dev }, now, deps.links.uploadValidForInMs);
  await deps.screenshots.create(doc);
  const link = await deps.blobs.createUploadLink('screenshots', doc.blobName, { validForInMs: deps.links.uploadValidForInMs });
  return {
    screenshot: screenshotView(doc),
    upload: {
      method: 'PUT',
      url: link.url,
      headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': doc.contentType },
      expiresAt: link.expiresOn.toISOString(),
    },
  };
}

async function readUpload(deps: ScreenshotServiceDependencies, doc: ScreenshotDoc) {
  const properties = await deps.blobs.getProperties('screenshots', doc.blobName);
  if (!properties) return undefined;
  // An oversized blob is refused on its size alone; reading its head would be wasted work.
  const head = properties.sizeBytes <= MAX_SCREENSHOT_BYTES ? await deps.blobs.readHead('screenshots', doc.blobName, IMAGE_HEAD_BYTES) : Buffer.alloc(0);
  return { ...properties, head };
}

/**
 * Idempotent: confirming a confirmed or rejected screenshot answers its state again. Only the caller whose
 * If-Match replace wins counts it and announces it, so a retried confirm never counts twice.
 */
export async function confirmScreenshot(
  deps: ScreenshotServiceDependencies,
  device: IngestTokenClaims,
  screenshotId: string,
  correlationId: string,
): Promise<ScreenshotView> {
  const found = await deps.screenshots.get(device.sid, screenshotId);
  if (!found || found.screenshot.device !== device.dev) throw new AppError('not_found', `Screenshot ${screenshotId} not found`);
  const { screenshot: doc, etag } = found;
  if (doc.status === 'confirmed') {
    // A retried confirm announces again under the same id, in case the first announcement failed.
    await announceCaptured(deps, doc, doc.sizeBytes ?? 0, correlationId, new Date(doc.confirmedAt ?? deps.clock.now().toISOString()));
    return screenshotView(doc);
  }
  if (doc.status !== 'pending') return screenshotView(doc);

  const now = deps.clock.now();
  const upload = await readUpload(deps, doc);
  if (!upload && Date.parse(doc.uploadExpiresAt) > now.getTime()) {
    throw new AppError('conflict', 'Nothing has been uploaded yet; upload with the link, then confirm');
  }
  const checked = checkUpload(doc, upload);
  // An upload link outlives a cancel or a withdrawn consent: the session decides at confirm time, not at link time.
  const check = checked.ok && !(await isCollecting(deps, doc, now)) ? { ok: false as const, reason: 'session_not_collecting' as const } : checked;
  if (!check.ok) {
    await deps.blobs.delete('screenshots', doc.blobName);
    const rejected = await replaceOrReread(deps, { ...doc, status: 'rejected', rejectionReason: check.reason, sizeBytes: upload?.sizeBytes }, etag);
    return screenshotView(rejected.doc);
  }
  const confirmed = await replaceOrReread(deps, { ...doc, status: 'confirmed', sizeBytes: upload!.sizeBytes, confirmedAt: now.toISOString() }, etag);
  if (confirmed.won) await deps.sessions.incrementStat(doc.sessionId, 'screenshotCount', 1);
  if (confirmed.doc.status === 'confirmed') await announceCaptured(deps, doc, upload!.sizeBytes, correlationId, now);
  return screenshotView(confirmed.doc);
}

async function isCollecting(deps: ScreenshotServiceDependencies, doc: ScreenshotDoc, now: Date): Promise<boolean> {
  const session = (await deps.sessions.get(doc.sessionId))?.session;
  if (!session || session.status !== 'active' || Date.parse(session.expiresAt) <= now.getTime()) return false;
  return !session.consent.required || session.consent.status === 'granted';
}

/**
 * Timer work: pending screenshots whose upload window closed without a confirm are rejected and their blobs
 * deleted, so an upload link used but never confirmed (or used for something else entirely) leaves nothing behind.
 * Safe to overlap and to repeat: a doc another run already rejected loses the If-Match race and is skipped.
 */
export async function sweepAbandonedUploads(
  deps: Pick<ScreenshotServiceDependencies, 'screenshots' | 'blobs' | 'clock'>,
  options: { pageSize: number; graceInMs: number },
): Promise<{ rejected: number }> {
  const before = new Date(deps.clock.now().getTime() - options.graceInMs).toISOString();
  let rejected = 0;
  for (const doc of await deps.screenshots.listAbandoned(before, options.pageSize)) {
    await deps.blobs.delete('screenshots', doc.blobName);
    const found = await deps.screenshots.get(doc.sessionId, doc.id);
    if (!found || found.screenshot.status !== 'pending') continue;
    try {
      await deps.screenshots.replace({ ...found.screenshot, status: 'rejected', rejectionReason: 'not_confirmed' }, found.etag);
      rejected++;
    } catch (error) {
      if (!(error instanceof AppError) || error.kind !== 'precondition_failed') throw error;
    }
  }
  return { rejected };
}

/** An outbox failure fails the confirm; the device's retry announces the same event id again. */
async function announceCaptured(deps: ScreenshotServiceDependencies, doc: ScreenshotDoc, sizeBytes: number, correlationId: string, time: Date): Promise<void> {
  const event = newEvent('diagnostics.screenshot.captured', {
    id: stableEventId('shot', doc.sessionId, doc.id),
    productId: doc.productId,
    sessionId: doc.sessionId,
    correlationId,
    time,
    payload: {
      screenshotId: doc.id,
      format: doc.format,
      sizeBytes,
      width: doc.width,
      height: doc.height,
      trigger: doc.trigger,
      relatedItemId: doc.relatedItemId,
    },
  });
  await deps.events.publish([event]);
}

/** A concurrent confirm that got there first decides the outcome; this one reports it. */
async function replaceOrReread(deps: ScreenshotServiceDependencies, next: ScreenshotDoc, etag: string): Promise<{ doc: ScreenshotDoc; won: boolean }> {
  try {
    return { doc: (await deps.screenshots.replace(next, etag)).screenshot, won: true };
  } catch (error) {
    if (!(error instanceof AppError) || error.kind !== 'precondition_failed') throw error;
    const current = await deps.screenshots.get(next.sessionId, next.id);
    if (!current) throw new AppError('not_found', `Screenshot ${next.id} not found`);
    return { doc: current.screenshot, won: false };
  }
}

/**
 * Metadata for whoever may view the session; read links only for the product's readers whose roles the field policy
 * lets see screenshots (Diagnostics.Sensitive): for the others no link is even signed, and the marker stands in.
 */
export async function listScreenshots(
  deps: ScreenshotServiceDependencies,
  principal: Principal,
  sessionId: string,
  page: { maxItems: number; continuationToken?: string },
): Promise<Page<ScreenshotView>> {
  const { session } = await getSession(deps, principal, sessionId);
  const listed = await deps.screenshots.list(sessionId, page);
  const mayRead = isReaderOf(principal, session.productId);
  const view = new FieldAccessView(deps.fieldPolicy, principal.roles);
  const linkWithheld = view.markerFor('screenshot', 'readUrl') !== undefined;
  const items = await Promise.all(
    listed.items.map(async (doc) => {
      if (!mayRead || doc.status !== 'confirmed') return screenshotView(doc);
      // Never signed when withheld: the placeholder only marks where the policy puts its marker.
      const link = linkWithheld
        ? { url: 'withheld', expiresOn: deps.clock.now() }
        : await deps.blobs.createReadLink('screenshots', doc.blobName, {
            validForInMs: deps.links.readValidForInMs,
            contentType: doc.contentType,
            contentDisposition: `inline; filename="${doc.id}.${doc.format}"`,
          });
      return view.apply('screenshot', screenshotView(doc, link));
    }),
  );
  if (mayRead) await deps.audit.record(readAuditRecord(deps, principal, session, 'screenshots.read', {}, undefined, view.summary()));
  return { items, continuationToken: listed.continuationToken };
}
