// Route parameters and response shaping shared by the session endpoints.
import { z } from 'zod';
import type { HttpResponseInit } from '@azure/functions';
import { sessionIdSchema, type VersionedSession } from '../domain/sessions/session';
import { json } from './endpoint';
import type { Principal } from '../domain/access/principal';
import { sessionViewFor } from '../domain/sessions/session-view';

export const sessionParamsSchema = z.object({ id: sessionIdSchema });

/** The session body with its ETag, for If-Match on the next write. */
/** The session as the caller may see it (a targeted user gets a reduced view), with its ETag. */
export function sessionResponse(status: number, stored: VersionedSession, principal: Principal): HttpResponseInit {
  return json(status, { ...sessionViewFor(principal, stored.session), etag: stored.etag }, { etag: `"${stored.etag.replace(/"/g, '')}"` });
}

/** Accepts the ETag as the header gives it back (quoted) or bare, as Cosmos stores it. */
export function ifMatchOf(header: string | null): string | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (trimmed === '*') return '*';
  return trimmed.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
