// Device calls on one session: the product ingest key (checked by the endpoint wrapper) plus the session's
// ingest token from the config poll, sent as `Authorization: Bearer it1.…`. The token binds device and session.
import type { HttpRequest } from '@azure/functions';
import { AppError } from '../errors';
import { verifyIngestToken, type IngestTokenClaims } from '../domain/devices/credentials';

/** The ingest token of `Authorization: Bearer it1.…`, or undefined when the header is absent or carries something else. */
export function ingestTokenOf(request: HttpRequest): string | undefined {
  const header = request.headers.get('authorization') ?? '';
  return /^Bearer\s+(it1\.\S+)$/i.exec(header.trim())?.[1];
}

export function requireIngestToken(request: HttpRequest, secret: string, now: Date, expected: { productId: string; sessionId: string }): IngestTokenClaims {
  const token = ingestTokenOf(request);
  if (!token) throw new AppError('unauthenticated', 'Send the session ingest token from the config poll as Authorization: Bearer it1.…');
  const check = verifyIngestToken(secret, token, now);
  if (!check.valid) {
    throw new AppError('unauthenticated', check.reason === 'expired' ? 'The ingest token expired; poll the config for a new one' : 'The ingest token is not valid');
  }
  if (check.claims.pid !== expected.productId || check.claims.sid !== expected.sessionId) {
    throw new AppError('forbidden', 'The ingest token was issued for another session');
  }
  return check.claims;
}
