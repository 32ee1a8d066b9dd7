// All of a session's confirmed screenshots as one ZIP, for the dashboard's "download all". Built here rather than
// in the browser: the page may only connect to its own origin (CSP connect-src 'self'), and Blob storage would
// need CORS rules for the read links; the images are already compressed, so the entries are stored, not deflated.
import { zipSync, type Zippable } from 'fflate';
import { AppError } from '../errors';
import { isReaderOf, type Principal } from '../domain/access/principal';
import { FieldAccessView } from '../domain/access/field-policy';
import { readAuditRecord } from './audit-service';
import { MAX_SCREENSHOT_BYTES, type ScreenshotDoc } from '../domain/screenshots/screenshot';
import { getSession } from './session-service';
import type { ScreenshotServiceDependencies } from './screenshot-service';

export const MAX_ARCHIVE_SCREENSHOTS = 200;
export const MAX_ARCHIVE_BYTES = 100 * 1024 * 1024;
export const ARCHIVES_PER_CALLER_PER_MINUTE = 6;

export interface ScreenshotArchive {
  fileName: string;
  body: Uint8Array;
  count: number;
}

function entryName(doc: ScreenshotDoc): string {
  return `${doc.capturedAt.replace(/[:.]/g, '-')}-${doc.id}.${doc.format}`;
}

export async function buildScreenshotArchive(deps: ScreenshotServiceDependencies, principal: Principal, sessionId: string): Promise<ScreenshotArchive> {
  const { session } = await getSession(deps, principal, sessionId);
  if (!isReaderOf(principal, session.productId)) throw new AppError('forbidden', 'Only readers of the product may download screenshots');
  // The images themselves are what the policy's screenshot link stands for: withheld, there is nothing to download.
  const view = new FieldAccessView(deps.fieldPolicy, principal.roles);
  const marker = view.markerFor('screenshot', 'readUrl');
  if (marker) throw new AppError('forbidden', `Screenshots are withheld: ${marker.withheld}`);
  const decision = deps.rateLimiter.take(`screenshot-archive:${principal.subject}`, { limit: ARCHIVES_PER_CALLER_PER_MINUTE, windowInMs: 60_000 });
  if (!decision.allowed)
    throw new AppError('rate_limited', `At most ${ARCHIVES_PER_CALLER_PER_MINUTE} screenshot archives per minute`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });

  const confirmed: ScreenshotDoc[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await deps.screenshots.list(sessionId, { maxItems: 100, continuationToken });
    confirmed.push(...page.items.filter((doc) => doc.status === 'confirmed'));
    continuationToken = page.continuationToken;
    if (confirmed.length > MAX_ARCHIVE_SCREENSHOTS) {
      throw new AppError(
        'payload_too_large',
        `The session has more than ${MAX_ARCHIVE_SCREENSHOTS} screenshots; export the session or download them one by one`,
      );
    }
  } while (continuationToken);
  if (confirmed.length === 0) throw new AppError('not_found', `Session ${sessionId} has no screenshots to download`);

  const entries: Zippable = {};
  let total = 0;
  for (const doc of confirmed) {
    const bytes = await deps.blobs.readHead('screenshots', doc.blobName, MAX_SCREENSHOT_BYTES);
    total += bytes.length;
    if (total > MAX_ARCHIVE_BYTES)
      throw new AppError('payload_too_large', `The screenshots add up to more than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB; download them one by one`);
    entries[entryName(doc)] = [new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { level: 0, mtime: new Date(doc.capturedAt) }];
  }
  const access = { sensitive: true, fieldsRead: view.revealable(['screenshot']), fieldsWithheld: [] };
  await deps.audit.record(readAuditRecord(deps, principal, session, 'screenshots.archive_read', { count: confirmed.length }, undefined, access));
  return { fileName: `${sessionId}-screenshots.zip`, body: zipSync(entries), count: confirmed.length };
}
