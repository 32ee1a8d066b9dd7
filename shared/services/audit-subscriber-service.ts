// The audit subscriber's use case: every event lands in audit_log, idempotently. Session events carry the
// record their emitter already wrote, so the same id is upserted (a no-op normally, the record itself if the
// synchronous write had failed); other events get one record per event id.
import { auditRecordSchema, type AuditLog, type AuditRecord } from '../ports/audit-log';
import { eventPayloadFieldsSchema, type EventEnvelope } from '../domain/events/event-envelope';

/** Fields worth keeping from the payloads; free text (messages, titles) stays out of the audit trail. */
const detailFields = [
  'errorType',
  'fingerprint',
  'appId',
  'release',
  'reportId',
  'format',
  'result',
  'alertKey',
  'screenshotId',
  'exportId',
  'trigger',
  'status',
] as const;

const deviceEvents = new Set(['diagnostics.ingest.fatal', 'diagnostics.screenshot.captured']);

export function auditRecordOf(event: EventEnvelope): AuditRecord {
  const fields = eventPayloadFieldsSchema.safeParse(event.payload);
  const data = fields.success ? fields.data : {};
  const carried = auditRecordSchema.safeParse(data.audit);
  if (carried.success) return carried.data;
  const details: Record<string, unknown> = {};
  for (const field of detailFields) {
    const value = event.payload[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') details[field] = value;
  }
  const deviceId = typeof event.payload.deviceId === 'string' ? event.payload.deviceId : undefined;
  return {
    id: `au_${event.id}`,
    productId: event.productId,
    at: event.time,
    actor: data.actor ?? (deviceEvents.has(event.type) ? { kind: 'device', id: deviceId ?? 'unknown' } : { kind: 'system', id: 'events' }),
    action: event.type.replace(/^diagnostics\./, ''),
    sessionId: event.sessionId,
    target: data.target,
    details: { ...details, eventId: event.id },
    correlationId: event.correlationId,
  };
}

export async function auditEvent(deps: { audit: AuditLog }, event: EventEnvelope): Promise<void> {
  await deps.audit.record(auditRecordOf(event));
}
