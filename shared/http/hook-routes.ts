// Route parameters and response shaping of the pattern hook endpoints.
import { z } from 'zod';
import type { HttpResponseInit } from '@azure/functions';
import { hookIdSchema } from '../domain/hooks/pattern-hook';
import { productIdSchema } from '../domain/sessions/session';
import type { VersionedHook } from '../ports/pattern-hook-store';
import { json } from './endpoint';

export const productParamsSchema = z.object({ productId: productIdSchema });
export const hookParamsSchema = z.object({ productId: productIdSchema, hookId: hookIdSchema });

/** The hook with its ETag, for If-Match on the next PATCH. */
export function hookResponse(status: number, stored: VersionedHook): HttpResponseInit {
  return json(status, { ...stored.hook, etag: stored.etag }, { etag: `"${stored.etag.replace(/"/g, '')}"` });
}
