// OTLP/HTTP export: map the request onto our items and run them through the one ingest path, then answer
// as the OTLP spec says: 200 with `partialSuccess` naming how many items were rejected and why.
import { AppError } from '../errors';
import { verifyIngestToken } from '../domain/devices/credentials';
import { mapLogsRequest, mapTraceRequest, MAX_OTLP_ITEMS, OTLP_TOKEN_ATTRIBUTE, type OtlpLogsRequest, type OtlpTraceRequest } from '../domain/telemetry/otlp';
import { ingest, type DeviceCall, type IngestServiceDependencies } from './ingest-service';

export type OtlpSignal = 'traces' | 'logs';

export interface OtlpExportResponse {
  partialSuccess?: { rejectedSpans?: number; rejectedLogRecords?: number; errorMessage?: string };
}

export async function exportOtlp(
  deps: IngestServiceDependencies,
  call: DeviceCall,
  signal: OtlpSignal,
  body: OtlpTraceRequest | OtlpLogsRequest,
): Promise<OtlpExportResponse> {
  const now = deps.clock.now();
  const mapped = signal === 'traces' ? mapTraceRequest(body as OtlpTraceRequest, now) : mapLogsRequest(body as OtlpLogsRequest, now);
  if (!call.ingestToken && mapped.tokens.size > 1) {
    throw new AppError('invalid_input', `One export request goes to one session: the resources carry ${mapped.tokens.size} different ${OTLP_TOKEN_ATTRIBUTE} values`);
  }
  const token = call.ingestToken ?? [...mapped.tokens][0];
  const check = token ? verifyIngestToken(deps.ingestKeySecret, token, now) : undefined;
  // The token names the session; an invalid one is refused by the ingest path with the right status.
  const sessionId = check?.valid ? check.claims.sid : '';
  const result = await ingest(deps, { ...call, ingestToken: token }, { sessionId, device: mapped.device, optedOut: false, items: mapped.items, invalidItems: 'reject_items', maxItems: MAX_OTLP_ITEMS });
  const answer = result.body;
  const rejected = answer.rejected.length + answer.failed.length;
  deps.telemetry.metric('ingest.otlp_requests_total', 1, { signal, outcome: rejected > 0 ? 'partial' : 'success' });
  const messages: string[] = [];
  const reasons = new Map<string, number>();
  for (const rejection of answer.rejected) {
    const reason = rejection.reason === 'invalid' ? (rejection.detail ?? 'invalid') : rejection.reason.replace('_', ' ');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  for (const [reason, count] of [...reasons].slice(0, 5)) messages.push(`${count} rejected: ${reason}`);
  if (answer.failed.length) messages.push(`${answer.failed.length} could not be stored`);
  if (answer.filtered) messages.push(`${answer.filtered} not collected by this session (capture settings or collection level)`);
  if (messages.length === 0) return {};
  const count = signal === 'traces' ? { rejectedSpans: rejected } : { rejectedLogRecords: rejected };
  return { partialSuccess: { ...count, errorMessage: messages.join('; ') } };
}
