// What the config poll answers a device, and its ETag: a hash of exactly that body.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { captureFlagsSchema, collectionLevelSchema, type DebugSession, type SessionTrigger } from './session';

export const deviceConfigSchema = z.object({
  active: z.boolean(),
  pollIntervalSeconds: z.number().int().positive(),
  session: z
    .object({
      id: z.string(),
      status: z.enum(['active', 'paused']),
      collectionLevel: collectionLevelSchema,
      capture: captureFlagsSchema,
      expiresAt: z.string(),
      /** When true the device must ask its user, and record the answer, before sending anything. */
      consentRequired: z.boolean(),
      consentStatus: z.enum(['not_required', 'pending', 'granted', 'denied']),
      ingestToken: z.string(),
      /**
       * Set for sessions a crash opened: send the pre-crash buffer first (items keep their times and carry
       * `preSession: true`), then collect as usual.
       */
      uploadPreSessionBuffer: z.boolean().optional(),
    })
    .optional(),
});
export type DeviceConfig = z.infer<typeof deviceConfigSchema>;

/** What of a session a device is told. */
export type ConfiguredSession = Pick<DebugSession, 'id' | 'status' | 'collectionLevel' | 'capture' | 'expiresAt' | 'consent'> & {
  trigger?: Pick<SessionTrigger, 'on'>;
};

export function deviceConfigFor(session: ConfiguredSession | undefined, ingestToken: string | undefined, pollIntervalSeconds: number): DeviceConfig {
  if (!session || !ingestToken) return { active: false, pollIntervalSeconds };
  return {
    active: true,
    pollIntervalSeconds,
    session: {
      id: session.id,
      status: session.status === 'paused' ? 'paused' : 'active',
      collectionLevel: session.collectionLevel,
      capture: session.capture,
      expiresAt: session.expiresAt,
      consentRequired: session.consent.required && session.consent.status !== 'granted',
      consentStatus: session.consent.status,
      ingestToken,
      ...(session.trigger?.on === 'crash' ? { uploadPreSessionBuffer: true } : {}),
    },
  };
}

export function entityTag(body: unknown): string {
  return entityTagOfText(JSON.stringify(body));
}

/** The ETag of a body already serialized: the bytes sent are the bytes hashed. */
export function entityTagOfText(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 weak comparison over a list, as browsers and SDKs send it. */
export function matchesIfNoneMatch(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  // What a device sends back is almost always exactly the tag it was given.
  if (header === etag) return true;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}
