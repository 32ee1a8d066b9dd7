// OTLP/HTTP export: map the request onto our items and run them through the one ingest path, then answer
// as the OTLP spec says: 200 with `partialSuccess` naming how many items were rejected and why.
import { AppError } from '../errors';
import { mapLogsRequest, mapTraceRequest, MAX_OTLP_ITEMS, OTLP_TOKEN_ATTRIBUTE, type OtlpLogsRequest, type OtlpTraceRequest } from '../domain/telemetry/otlp';
import type { DeviceCredential, DeviceTokenVerifier } from './device-credentials';
import { ingest, type DeviceCall, type IngestServiceDependencies } from './ingest-service';

export type OtlpSignal = 'traces' | 'logs';

export interface OtlpExportResponse {
  partialSuccess?: { rejectedSpans?: number; rejectedLogRecords?: number; errorMessage?: string };
}

/** The call as the endpoint wrapper saw it: the header's ingest token is verified when sent, else the resource's is. */
export interface OtlpCall extends Omit<DeviceCall, 'device'> {
  productId: string;
  device: DeviceCredential | undefined;
}

export interface OtlpServiceDependencies {
  ingest: IngestServiceDependencies;
  deviceTokens: DeviceTokenVerifier;
}

export async function exportOtlp(
  deps: OtlpServiceDependencies,
  call: OtlpCall,
  signal: OtlpSignal,
  body: OtlpTraceRequest | OtlpLogsRequest,
): Promise<OtlpExportResponse> {
  const now = deps.ingest.clock.now();
  const mapped = signal === 'traces' ? mapTraceRequest(body as OtlpTraceRequest, now) : mapLogsRequest(body as OtlpLogsRequest, now);
  if (!call.device && mapped.tokens.size > 1) {
    throw new AppError(
      'invalid_input',
      `One export request goes to one session: the resources carry ${mapped.tokens.size} different ${OTLP_TOKEN_ATTRIBUTE} values`,
    );
  }
  // The token names the session.
  const device = call.device ?? deps.deviceTokens.verify([...mapped.tokens][0], call.productId);
  const result = await ingest(
    deps.ingest,
    { ...call, device },
    { sessionId: device.sid, device: mapped.device, optedOut: false, items: mapped.items, invalidItems: 'reject_items', maxItems: MAX_OTLP_ITEMS },
  );
  const answer = result.body;
  const rejected = answer.rejected.length + answer.failed.length;
  deps.ingest.telemetry.metric('ingest.otlp_requests_total', 1, { signal, outcome: rejected > 0 ? 'partial' : 'success' });
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
