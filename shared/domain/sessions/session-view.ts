// What a session looks like to whoever reads it: its product's readers see all of it; the user it targets sees only
// what is collected about them, since when, until when, and their consent (not the admin's reason, tags or stats).
import { z } from 'zod';
import { isReaderOf, type Principal } from '../access/principal';
import { captureFlagsSchema, collectionLevelSchema, consentStateSchema, sessionStatusSchema, type DebugSession } from './session';

export const targetedUserViewSchema = z.object({
  id: z.string(),
  productId: z.string(),
  status: sessionStatusSchema,
  targetUserId: z.string().optional(),
  collectionLevel: collectionLevelSchema,
  capture: captureFlagsSchema,
  consent: consentStateSchema,
  createdAt: z.string(),
  startedAt: z.string().optional(),
  expiresAt: z.string(),
  endedAt: z.string().optional(),
});
export type TargetedUserView = z.infer<typeof targetedUserViewSchema>;

export function sessionViewFor(principal: Principal, session: DebugSession): DebugSession | TargetedUserView {
  if (isReaderOf(principal, session.productId)) return session;
  const { id, productId, status, targetUserId, collectionLevel, capture, consent, createdAt, startedAt, expiresAt, endedAt } = session;
  return { id, productId, status, targetUserId, collectionLevel, capture, consent, createdAt, startedAt, expiresAt, endedAt };
}
