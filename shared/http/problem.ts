// The one place an error becomes HTTP: RFC 9457 problem+json, Retry-After for retryable refusals.
import type { HttpResponseInit } from '@azure/functions';
import { AppError, type FieldIssue } from '../errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const titles: Record<AppError['kind'], string> = {
  invalid_input: 'Invalid input',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  gone: 'Gone',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
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
