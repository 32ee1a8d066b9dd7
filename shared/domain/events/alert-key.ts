// The alert key groups repeats of one problem: throttling, PagerDuty's dedup_key and the ticket mapping all use it.
import { eventPayloadFieldsSchema, fatalPayloadSchema, type EventEnvelope } from './event-envelope';

/**
 * The emitter's `payload.alertKey` when given (a regression report should carry the key of the problem it
 * re-tests); otherwise fatal errors group by product, app and fingerprint, and reports by session.
 */
export function alertKeyOf(event: EventEnvelope): string {
  const fields = eventPayloadFieldsSchema.safeParse(event.payload);
  if (fields.success && fields.data.alertKey) return fields.data.alertKey;
  if (event.type === 'diagnostics.ingest.fatal') {
    const fatal = fatalPayloadSchema.safeParse(event.payload);
    const data = fatal.success ? fatal.data : {};
    return `fatal:${event.productId}:${data.appId ?? '-'}:${data.fingerprint ?? data.errorType ?? 'unknown'}`;
  }
  if (event.type === 'diagnostics.report.generated' || event.type === 'diagnostics.regression.reported') {
    return `session:${event.productId}:${event.sessionId ?? '-'}`;
  }
  return `${event.type}:${event.sessionId ?? event.id}`;
}
