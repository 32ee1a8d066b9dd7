// Maps Cosmos status codes onto AppError kinds, so nothing above the adapter sees an SDK error.
import { createHash } from 'node:crypto';
import { AppError } from '../../errors';

function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown; statusCode?: unknown }).code ?? (error as { statusCode?: unknown }).statusCode;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

export function isCosmosStatus(error: unknown, status: number): boolean {
  return statusOf(error) === status;
}

export function toAppError(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  if (status === 404) return new AppError('not_found', `${what} not found`, { cause: error });
  if (status === 409) return new AppError('conflict', `${what} already exists`, { cause: error });
  if (status === 412) return new AppError('precondition_failed', `${what} changed since it was read; read it again and retry`, { cause: error });
  if (status === 413) return new AppError('payload_too_large', `${what} is too large to store`, { cause: error });
  if (status === 429) return new AppError('unavailable', 'Storage is busy; retry shortly', { cause: error, retryAfterSeconds: 1 });
  if (status === 400) return new AppError('internal', `Storage rejected the request for ${what}`, { cause: error, retryable: false });
  return new AppError('unavailable', 'Storage is unavailable; retry shortly', { cause: error, retryAfterSeconds: 2 });
}

/**
 * Cosmos continuation tokens are JSON (or `+RID:…` strings) that the SDK parses and trusts. Clients get them as
 * opaque base64url with a checksum, so a token this service did not issue (`e30`, i.e. `{}`, or a truncated one)
 * is refused with 400 naming the field before it reaches the SDK, instead of a 500 or a silent restart at page one.
 */
export function encodeContinuation(token: string | undefined): string | undefined {
  return token === undefined ? undefined : `${Buffer.from(token, 'utf8').toString('base64url')}.${checksumOf(token)}`;
}

function checksumOf(token: string): string {
  return createHash('sha256').update('continuation\n').update(token).digest('base64url').slice(0, 12);
}

export function decodeContinuation(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const separator = token.lastIndexOf('.');
  const decoded = separator > 0 ? Buffer.from(token.slice(0, separator), 'base64url').toString('utf8') : '';
  if (separator <= 0 || token.slice(separator + 1) !== checksumOf(decoded)) {
    throw new AppError('invalid_input', 'continuationToken is not one this service issued', {
      issues: [{ field: 'continuationToken', message: 'unknown token' }],
    });
  }
  return decoded;
}
