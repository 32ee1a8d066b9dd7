// What the event subscribers remember: which (subscriber, event, step) is done, so a redelivered message
// does nothing twice, and which messages were dead-lettered with a reason.
import { z } from 'zod';

export const subscriberNames = ['notifications', 'tickets', 'audit', 'erasures'] as const;
export type SubscriberName = (typeof subscriberNames)[number];

export const deadLetterRecordSchema = z.object({
  /** `${subscription}:${messageId}`: one record per message, however often it came back. */
  id: z.string(),
  subscription: z.string(),
  messageId: z.string(),
  eventType: z.string().optional(),
  /** A short machine reason, e.g. InvalidEnvelope, PermanentDownstreamError. */
  reason: z.string(),
  /** Our own words, never customer content. */
  description: z.string(),
  deliveryCount: z.number().int().nonnegative(),
  at: z.string(),
  /** The message as received, for replay after a fix. Event payloads are masked by their emitters. */
  body: z.unknown(),
});
export type DeadLetterRecord = z.infer<typeof deadLetterRecordSchema>;

export interface SubscriberLedger {
  /** Whether `key` (e.g. `tickets:ev_…` or `notifications:ev_…:slack`) was marked done. */
  isDone(key: string): Promise<boolean>;
  /** Idempotent. */
  markDone(key: string, at: Date): Promise<void>;
  /** Idempotent by record id. */
  deadLetter(record: DeadLetterRecord): Promise<void>;
  listDeadLetters(
    subscription: string,
    page: { maxItems: number; continuationToken?: string },
  ): Promise<{ items: DeadLetterRecord[]; continuationToken?: string }>;
}
