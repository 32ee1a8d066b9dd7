// Export of a session's logs and spans as gzip NDJSON. Primary channel: a blob in `exports` and a time-limited
// download link. When storage or signing fails, the fallback streams the file in the HTTP response instead,
// says so, and audits the download (seed: log collection failures fall back to alternate channels). Each export is
// written for its requester: fields the field policy withholds from them are withheld in the file itself.
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { AppError } from '../errors';
import { requireReader, type Principal } from '../domain/access/principal';
import { FieldAccessView, kindOfDoc, type FieldPolicy } from '../domain/access/field-policy';
import { accessDetails } from './audit-service';
import type { MaskingEngine } from '../domain/masking';
import type { LogDoc, SpanDoc } from '../domain/telemetry/items';
import type { AuditLog, AuditRecord } from '../ports/audit-log';
import type { BlobStore } from '../ports/blob-store';
import type { Clock } from '../ports/clock';
import { newEvent } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { RateLimiter } from '../ports/rate-limiter';
import type { SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';
import type { TelemetryStore } from '../ports/telemetry-store';
import { readSessionItems } from './session-reading';
import { getSession } from './session-service';

const gzipAsync = promisify(gzip);

export interface ExportServiceDependencies {
  sessions: SessionStore;
  telemetryStore: TelemetryStore;
  blobs: BlobStore;
  audit: AuditLog;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  masking: MaskingEngine;
  fieldPolicy: FieldPolicy;
  linkValidForInMs: number;
  limits: { maxLogs: number; maxSpans: number; pageSize: number };
}

export const EXPORTS_PER_CALLER_PER_MINUTE = 6;

interface ExportFile {
  exportId: string;
  fileName: string;
  body: Buffer;
  items: { logs: number; spans: number };
  truncated: string[];
}

export type ExportResult =
  | (Omit<ExportFile, 'body'> & { channel: 'blob'; sizeBytes: number; download: { url: string; expiresAt: string }; expiryNotice: string })
  | (ExportFile & { channel: 'fallback-stream'; reason: 'blob_write_failed' | 'link_failed'; notice: string });

/** Strips storage-only fields; what a reader of the export needs stays. */
function line(type: string, doc: LogDoc | SpanDoc): Record<string, unknown> {
  const { pk, ...rest } = doc;
  void pk;
  return { type, ...rest };
}

async function buildFile(deps: ExportServiceDependencies, productId: string, sessionId: string, now: Date, view: FieldAccessView): Promise<ExportFile> {
  const items = await readSessionItems(deps.telemetryStore, { productId, sessionId }, deps.limits);
  const engine = deps.masking;
  let violations = 0;
  const entries: Array<{ time: string; value: Record<string, unknown> }> = [];
  for (const doc of items.logs) entries.push({ time: doc.timestamp, value: line(doc.docType, view.apply(kindOfDoc(doc), doc)) });
  for (const doc of items.spans) entries.push({ time: doc.startTime, value: line('span', view.apply('span', doc)) });
  entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const exportId = `ex_${randomUUID()}`;
  const header = {
    type: 'export',
    exportId,
    productId,
    sessionId,
    exportedAt: now.toISOString(),
    logs: items.logs.length,
    spans: items.spans.length,
    truncated: items.truncated,
  };
  const lines = [JSON.stringify(header)];
  for (const entry of entries) {
    // Stored items were masked at ingest; this pass catches what slipped through before it leaves.
    const masked = engine.maskValue(entry.value);
    violations += masked.redaction.count;
    lines.push(JSON.stringify(masked.value));
  }
  if (violations > 0) deps.telemetry.metric('debug.masking.violation_total', violations, { channel: 'export' });
  return {
    exportId,
    fileName: `${sessionId}-${exportId}.ndjson.gz`,
    body: await gzipAsync(Buffer.from(`${lines.join('\n')}\n`)),
    items: { logs: items.logs.length, spans: items.spans.length },
    truncated: items.truncated,
  };
}

export async function exportSession(deps: ExportServiceDependencies, principal: Principal, sessionId: string, correlationId: string): Promise<ExportResult> {
  const { session } = await getSession(deps, principal, sessionId);
  requireReader(principal, session.productId);
  const decision = deps.rateLimiter.take(`export:${principal.subject}`, { limit: EXPORTS_PER_CALLER_PER_MINUTE, windowInMs: 60_000 });
  if (!decision.allowed)
    throw new AppError('rate_limited', `At most ${EXPORTS_PER_CALLER_PER_MINUTE} exports per minute`, { retryAfterSeconds: decision.retryAfterSeconds });

  const now = deps.clock.now();
  const view = new FieldAccessView(deps.fieldPolicy, principal.roles);
  const file = await buildFile(deps, session.productId, session.id, now, view);
  const blobName = `${session.productId}/${session.id}/${file.exportId}.ndjson.gz`;
  const audit = (action: string, details: Record<string, unknown>): AuditRecord => ({
    id: `au_${randomUUID()}`,
    productId: session.productId,
    at: now.toISOString(),
    actor: { kind: 'user', id: principal.subject },
    action,
    sessionId: session.id,
    details: { exportId: file.exportId, items: file.items, sizeBytes: file.body.length, ...accessDetails(view.summary()), ...details },
    correlationId,
  });

  let reason: 'blob_write_failed' | 'link_failed' = 'blob_write_failed';
  let link: Awaited<ReturnType<BlobStore['createReadLink']>> | undefined;
  try {
    await deps.blobs.upload('exports', blobName, file.body, { contentType: 'application/gzip' });
    reason = 'link_failed';
    link = await deps.blobs.createReadLink('exports', blobName, {
      validForInMs: deps.linkValidForInMs,
      contentType: 'application/gzip',
      contentDisposition: `attachment; filename="${file.fileName}"`,
    });
  } catch {
    link = undefined;
  }
  if (link) {
    const expiresAt = link.expiresOn.toISOString();
    await deps.audit.record(audit('export.created', { channel: 'blob', expiresAt }));
    const { body, ...rest } = file;
    return {
      ...rest,
      channel: 'blob',
      sizeBytes: body.length,
      download: { url: link.url, expiresAt },
      expiryNotice: `This download link expires at ${expiresAt} (${Math.round(deps.linkValidForInMs / 60_000)} minutes after it was issued); export again for a new one.`,
    };
  }
  // The primary channel failed: the file goes back in this response, and that download is on the record.
  deps.telemetry.metric('debug.export.fallback_total', 1, { reason });
  const record = audit('export.fallback_download', { channel: 'fallback-stream', reason });
  await deps.audit.record(record);
  const event = newEvent('diagnostics.export.downloaded', {
    productId: session.productId,
    sessionId: session.id,
    correlationId,
    time: now,
    payload: { reportId: file.exportId, format: 'ndjson.gz', channel: 'fallback-stream', reason, actor: record.actor, audit: record },
  });
  // An outbox failure fails the request rather than losing the event; the client retries.
  await deps.events.publish([event]);
  return {
    ...file,
    channel: 'fallback-stream',
    reason,
    notice: 'Blob storage could not take the export, so it is streamed in this response instead. No download link exists; this download was audited.',
  };
}
