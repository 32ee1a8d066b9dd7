// Device calls on one session: the product ingest key (checked by the endpoint wrapper) plus the session's
// ingest token from the config poll, sent as `Authorization: Bearer it1.…`. The token binds device and session.
import type { HttpRequest } from '@azure/functions';
import { AppError } from '../errors';
import { verifyIngestToken, type IngestTokenClaims } from '../domain/devices/credentials';

export function requireIngestToken(request: HttpRequest, secret: string, now: Date, expected: { productId: string; sessionId: string }): IngestTokenClaims {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(it1\.\S+)$/i.exec(header.trim());
  if (!match) throw new AppError('unauthenticated', 'Send the session ingest token from the config poll as Authorization: Bearer it1.…');
  const check = verifyIngestToken(secret, match[1]!, now);
  if (!check.valid) {
    throw new AppError('unauthenticated', check.reason === 'expired' ? 'The ingest token expired; poll the config for a new one' : 'The ingest token is not valid');
  }
  if (check.claims.pid !== expected.productId || check.claims.sid !== expected.sessionId) {
    throw new AppError('forbidden', 'The ingest token was issued for another session');
  }
  return check.claims;
}
