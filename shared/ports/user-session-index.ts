// The per-user index: which sessions targeted or observed a user, one partition per (product, user), so a user's
// sessions are one single-partition query instead of a scan of every session.
import { z } from 'zod';
import type { Page } from './session-store';

export const userSessionEntrySchema = z.object({
  /** The session id: one entry per session and user. */
  id: z.string(),
  /** `${productId}:${userId}` */
  userKey: z.string(),
  productId: z.string(),
  userId: z.string(),
  sessionId: z.string(),
  /** `target`: the session was opened for this user; `observed`: a device sent data for the user to it. */
  relation: z.enum(['target', 'observed']),
  sessionCreatedAt: z.string(),
  indexedAt: z.string(),
});
export type UserSessionEntry = z.infer<typeof userSessionEntrySchema>;

export function userKeyOf(productId: string, userId: string): string {
  return `${productId}:${userId}`;
}

export interface UserSessionIndex {
  /** Creates or replaces the entry (a target entry replaces an observed one). */
  upsert(entry: UserSessionEntry): Promise<void>;
  /** Creates the entry unless one exists (an observation never downgrades a target entry). */
  createIfAbsent(entry: UserSessionEntry): Promise<void>;
  /** Newest sessions first. */
  list(productId: string, userId: string, page: { maxItems: number; continuationToken?: string }): Promise<Page<UserSessionEntry>>;
}
