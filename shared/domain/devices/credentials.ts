// Device credentials derived from one secret, so checking them needs no storage read:
// a product ingest key (identifies the app) and a session ingest token (binds one device to one session).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

function mac(secret: string, purpose: string, value: string, length: number): string {
  return createHmac('sha256', secret).update(`${purpose}\n${value}`).digest('base64url').slice(0, length);
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

const productKeyPattern = /^dk_([a-z0-9][a-z0-9-]{0,63})_([\w-]{32})$/;

export function productIngestKey(secret: string, productId: string): string {
  return `dk_${productId}_${mac(secret, 'product-key', productId, 32)}`;
}

/** Returns the product the key belongs to, or undefined for a forged or malformed key. */
export function verifyProductIngestKey(secret: string, key: string): string | undefined {
  const match = productKeyPattern.exec(key);
  if (!match) return undefined;
  const productId = match[1]!;
  return sameText(productIngestKey(secret, productId), key) ? productId : undefined;
}

/**
 * verifyProductIngestKey with the keys it accepted remembered, so a fleet's polls with the same product key cost a
 * map look-up instead of an HMAC each. Only valid keys are kept (a forged key is checked every time, in constant
 * time); a hit reveals no more than the answer does. Bounded: past `maxKeys` the memory starts again.
 */
export class ProductKeyVerifier {
  private readonly accepted = new Map<string, string>();

  constructor(
    private readonly secret: string,
    private readonly maxKeys = 1_000,
  ) {}

  verify(key: string): string | undefined {
    const known = this.accepted.get(key);
    if (known !== undefined) return known;
    const productId = verifyProductIngestKey(this.secret, key);
    if (productId !== undefined) {
      if (this.accepted.size >= this.maxKeys) this.accepted.clear();
      this.accepted.set(key, productId);
    }
    return productId;
  }
}

export const ingestTokenClaimsSchema = z.object({
  /** Session id. */
  sid: z.string(),
  /** Product id. */
  pid: z.string(),
  /** The device identity the token is bound to, as `kind:value` (e.g. `device:abc`). */
  dev: z.string(),
  /** Expiry, epoch seconds: the session's expiresAt at issue time. */
  exp: z.number().int(),
});
export type IngestTokenClaims = z.infer<typeof ingestTokenClaimsSchema>;

/**
 * Deterministic for the same claims, so the config poll's body (and its ETag) stays stable
 * while the session does; a session extension changes `exp` and so issues a new token.
 */
export function issueIngestToken(secret: string, claims: IngestTokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `it1.${payload}.${mac(secret, 'ingest-token', payload, 43)}`;
}

export type IngestTokenCheck = { valid: true; claims: IngestTokenClaims } | { valid: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function verifyIngestToken(secret: string, token: string, now: Date): IngestTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'it1') return { valid: false, reason: 'malformed' };
  const [, payload, signature] = parts as [string, string, string];
  if (!sameText(mac(secret, 'ingest-token', payload, 43), signature)) return { valid: false, reason: 'bad_signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  const claims = ingestTokenClaimsSchema.safeParse(decoded);
  if (!claims.success) return { valid: false, reason: 'malformed' };
  if (claims.data.exp * 1000 <= now.getTime()) return { valid: false, reason: 'expired' };
  return { valid: true, claims: claims.data };
}
