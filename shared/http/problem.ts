// The one place an error becomes HTTP: RFC 9457 problem+json, Retry-After for retryable refusals.
import type { HttpResponseInit } from '@azure/functions';
import { AppError, type FieldIssue } from '../errors';
import { encodeStatus } from '../domain/telemetry/otlp-protobuf';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const titles: Record<AppError['kind'], string> = {
  invalid_input: 'Invalid input',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  gone: 'Gone',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  headers_too_large: 'Request header fields too large',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  correlationId: string;
  errors?: FieldIssue[];
}

export function problemResponse(error: AppError, correlationId: string): HttpResponseInit {
  // A system error's own message may name internals; the caller gets a generic one and the correlation id.
  const detail = error.isClientError ? error.message : 'The service could not complete the request; retry later or quote the correlation id';
  const body: ProblemBody = {
    type: `urn:diagnostics:problem:${error.kind}`,
    title: titles[error.kind],
    status: error.status,
    detail,
    correlationId,
    ...(error.issues.length ? { errors: error.issues } : {}),
  };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'x-correlation-id': correlationId };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return { status: error.status, headers, body: JSON.stringify(body) };
}

/** gRPC status codes, as OTLP/HTTP failure bodies (`google.rpc.Status`) carry them. */
const grpcCodes: Record<AppError['kind'], number> = {
  invalid_input: 3,
  unauthenticated: 16,
  forbidden: 7,
  not_found: 5,
  method_not_allowed: 12,
  conflict: 9,
  gone: 5,
  precondition_failed: 9,
  payload_too_large: 3,
  unsupported_media_type: 3,
  headers_too_large: 3,
  rate_limited: 8,
  unavailable: 14,
  internal: 13,
};

/**
 * The OTLP/HTTP answer to a failed export: the same status code and Retry-After as problem+json (exporters
 * retry 429 and 503 honouring Retry-After, and drop on other 4xx), with a `google.rpc.Status` body in the
 * request's encoding: protobuf for a protobuf request, else JSON.
 */
export function otlpStatusResponse(error: AppError, correlationId: string, protobuf = false): HttpResponseInit {
  const message = error.isClientError ? error.message : 'The service could not complete the request; retry later or quote the correlation id';
  const headers: Record<string, string> = { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json', 'x-correlation-id': correlationId };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  const code = grpcCodes[error.kind];
  return { status: error.status, headers, body: protobuf ? encodeStatus(code, message) : JSON.stringify({ code, message, details: [] }) };
}
